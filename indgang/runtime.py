"""The composition root: builds every part from one validated Settings object."""

from __future__ import annotations

import asyncio
import logging
import logging.config
from functools import partial
from typing import TYPE_CHECKING

import uvicorn

from config.catalogue import Catalogue, load_catalogue
from config.knowledge import load_knowledge_base
from config.settings import Settings
from connectors.callbacks import callback_sender_for
from connectors.http_api import create_api
from indgang.heap import freeze_startup_heap
from indgang.logs import logging_config
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.errors import ConfigError
from models.inquiry import Inquiry
from queues.projection import project_messages
from router.answers import AnswerMatcher
from streams.citizen_keys import CitizenKeys
from streams.consumer_lag import ConsumerLagMonitor, router_group
from streams.decide_pool import DecidePool
from streams.first_contact_metrics import FirstContactCollector
from streams.intake import Intake
from streams.metrics import Metrics, create_metrics
from streams.processor import Decider, InquiryProcessor
from streams.producer import Producer
from streams.queue_metrics import QueueCollector
from streams.topics import Topics, ensure_topics
from streams.worker import create_app

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

    from classifiers.base import Classifier

log = logging.getLogger(__name__)


def bootstrap_servers(settings: Settings) -> str:
    """The Kafka to use; the supervisor sets it when it started the embedded broker."""
    if settings.kafka_bootstrap_servers is None:
        raise ConfigError(
            "kafka_bootstrap_servers: not set; use `indgang run` for the embedded broker"
        )
    return settings.kafka_bootstrap_servers


def build_ledger(settings: Settings, *, migrate: bool = False) -> Ledger:
    """A ledger on the configured database, migrated first if asked."""
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    return Ledger(engine)


def build_classifier(settings: Settings) -> Classifier:
    """The configured model, or the one shipped in the package."""
    # Late: scikit-learn takes seconds to import, and only the worker and CLI need it.
    from classifiers.training import load_default_classifier

    return load_default_classifier(settings.model_path)


def build_answers(settings: Settings) -> AnswerMatcher:
    """The knowledge base's answer matcher, from the configured or shipped directory."""
    return AnswerMatcher(load_knowledge_base(settings.catalogue_dir))


def build_decider(settings: Settings) -> Decider:
    """A decide process's own logging, classifier (warmed up), catalogue and answer matcher."""
    logging.config.dictConfig(logging_config(level=settings.log_level, fmt=settings.log_format))
    classifier = build_classifier(settings)
    # The first call builds spaCy's pipeline and lookups (about 2 s): not on a citizen's time.
    classifier.classify(Inquiry(channel="chat", text="opvarmning af klassifikatoren"))
    return Decider(
        classifier=classifier,
        catalogue=build_catalogue(settings),
        answers=build_answers(settings),
    )


def build_catalogue(settings: Settings) -> Catalogue:
    """The validated catalogue from the configured or shipped directory."""
    return load_catalogue(settings.catalogue_dir)


def build_citizen_keys(settings: Settings) -> CitizenKeys:
    """The entrance's keyed hash for first-contact resolution."""
    return CitizenKeys(secret=settings.citizen_key_secret.get_secret_value().encode("utf-8"))


def build_dashboard(
    settings: Settings, *, engine: Engine, producer: Producer, metrics: Metrics | None = None
) -> FastAPI:
    """The operators' dashboard on the ledger, publishing queue events with the given producer."""
    # Late: only the HTTP side serves the dashboard, and the worker need not import Jinja.
    from dashboard.app import create_dashboard
    from queues.accounts import Accounts
    from queues.actions import QueueActions
    from queues.board import QueueBoard
    from queues.login_throttle import LoginThrottle

    return create_dashboard(
        settings=settings,
        catalogue=build_catalogue(settings),
        accounts=Accounts(engine),
        board=QueueBoard(engine),
        actions=QueueActions(
            engine=engine,
            producer=producer,
            topics=Topics.for_settings(settings),
            metrics=metrics,
        ),
        throttle=LoginThrottle(
            engine,
            secret=settings.secret_key.get_secret_value().encode("utf-8"),
            max_failures=settings.login_max_failures,
            lockout_s=settings.login_lockout_s,
        ),
    )


def serve_worker_metrics(metrics: Metrics, port: int, host: str = "127.0.0.1") -> None:
    """Serve the worker's metrics; routing goes on if the port is taken."""
    from prometheus_client import start_http_server

    try:
        start_http_server(port, addr=host, registry=metrics.registry)
    except OSError as exc:
        log.error("worker metrics not served on %s:%d: %s", host, port, exc)
    else:
        log.info("worker metrics on http://%s:%d/metrics", host, port)


def run_worker(
    settings: Settings, *, metrics_port: int = 0, metrics_host: str = "127.0.0.1"
) -> None:
    """Run the routing worker until it is told to stop; metrics_port 0 serves no metrics."""
    import faust  # late: Faust patches logging and the loop at import

    servers = bootstrap_servers(settings)
    classifier = build_classifier(settings)
    # The first call builds spaCy's pipeline and lookups (about 2 s): not on a citizen's time.
    classifier.classify(Inquiry(channel="chat", text="opvarmning af klassifikatoren"))
    catalogue = build_catalogue(settings)
    processor = InquiryProcessor(
        classifier=classifier,
        catalogue=catalogue,
        ledger=build_ledger(settings),
        answers=build_answers(settings),
    )
    metrics = create_metrics()
    metrics.set_model(
        model_version=classifier.model_version, policy_version=catalogue.policy.version
    )
    metrics.start_routing_at_zero(source_topic=Topics.for_settings(settings).inquiries)
    pool = None
    if settings.worker_decide_processes:
        pool = DecidePool(
            processes=settings.worker_decide_processes,
            make_decider=partial(build_decider, settings),
        )
        pool.warm_up()
    if metrics_port:
        serve_worker_metrics(metrics, metrics_port, metrics_host)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(bootstrap_servers=servers, settings=settings))
    app = create_app(
        settings=settings,
        bootstrap_servers=servers,
        processor=processor,
        metrics=metrics,
        project=partial(project_messages, processor.ledger.engine),
        pool=pool,
    )
    # Faust (mode) replaces the root logger's handlers at start: hand it ours.
    worker = faust.Worker(
        app,
        loop=loop,
        loglevel=settings.log_level,
        quiet=True,
        logging_config=logging_config(level=settings.log_level, fmt=settings.log_format),
    )
    freeze_startup_heap()
    try:
        worker.execute_from_commandline()
    finally:
        if pool is not None:
            pool.shutdown()


def watch_entrance(
    metrics: Metrics, *, settings: Settings, ledger: Ledger, servers: str
) -> ConsumerLagMonitor:
    """Register the ledger's and the broker's gauges; the returned lag monitor is started."""
    metrics.start_intake_at_zero(clients=[client.id for client in settings.bot_clients])
    metrics.registry.register(
        QueueCollector(engine=ledger.engine, catalogue=build_catalogue(settings))
    )
    metrics.registry.register(
        FirstContactCollector(
            engine=ledger.engine, repeat_contact_days=settings.repeat_contact_days
        )
    )
    lag = ConsumerLagMonitor(
        bootstrap_servers=servers,
        group_id=router_group(settings),
        topics=[Topics.for_settings(settings).inquiries],
    )
    metrics.registry.register(lag)
    lag.start()
    return lag


def run_api(settings: Settings, *, host: str, port: int) -> None:
    """Serve the HTTP side until it is told to stop."""
    servers = bootstrap_servers(settings)
    asyncio.run(ensure_topics(bootstrap_servers=servers, settings=settings))
    ledger = build_ledger(settings)
    # One HTTP side per deployment, so queue, first-contact and lag gauges are exported once.
    metrics = create_metrics()
    lag = watch_entrance(metrics, settings=settings, ledger=ledger, servers=servers)
    intake = Intake(
        ledger=ledger,
        producer=Producer(bootstrap_servers=servers, client_id="indgang-api"),
        topic=Topics.for_settings(settings).inquiries,
        citizen_keys=build_citizen_keys(settings),
    )
    app = create_api(
        intake=intake,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        redelivery_after_s=settings.redelivery_after_s,
        redelivery_interval_s=settings.redelivery_interval_s,
        bot_clients=settings.bot_clients,
        signature_max_age_s=settings.signature_max_age_s,
        received_at_max_ahead_s=settings.received_at_max_ahead_s,
        sync_wait_s=settings.sync_wait_s,
        idempotency_key_ttl_s=settings.idempotency_key_ttl_h * 3600,
        catalogue=build_catalogue(settings),
        callback_sender=callback_sender_for(
            settings,
            producer=intake.producer,
            ledger_engine=ledger.engine,
            catalogue=build_catalogue(settings),
            metrics=metrics,
        ),
    )
    from dashboard.app import mount_dashboard  # late, as in build_dashboard

    dashboard = build_dashboard(
        settings, engine=ledger.engine, producer=intake.producer, metrics=metrics
    )
    mount_dashboard(app, dashboard)
    freeze_startup_heap()
    try:
        # log_config=None: uvicorn's records go through the process's own (JSON, redacted) handler.
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            access_log=False,
            log_config=None,
            # Open dashboard streams would otherwise hold a shutdown until they end by themselves.
            timeout_graceful_shutdown=5,
        )
    finally:
        lag.stop()


def run_mail(settings: Settings, *, metrics_port: int = 0, metrics_host: str = "127.0.0.1") -> None:
    """Run the mail connector until it is told to stop; metrics_port 0 serves no metrics."""
    # Late: only the mail process needs IMAP, SMTP and MIME parsing.
    from connectors.mail.connector import run_until_signalled
    from ledger.mail import MailLedger

    if not settings.mailboxes:
        raise ConfigError("mailboxes: none configured; set INDGANG_MAILBOXES")
    servers = bootstrap_servers(settings)
    ledger = build_ledger(settings)
    intake = Intake(
        ledger=ledger,
        producer=Producer(bootstrap_servers=servers, client_id="indgang-mail"),
        topic=Topics.for_settings(settings).inquiries,
        citizen_keys=build_citizen_keys(settings),
    )
    metrics = create_metrics()
    if metrics_port:
        serve_worker_metrics(metrics, metrics_port, metrics_host)

    async def main() -> None:
        await ensure_topics(bootstrap_servers=servers, settings=settings)
        await run_until_signalled(
            settings=settings,
            intake=intake,
            mail_ledger=MailLedger(ledger.engine),
            metrics=metrics,
        )

    asyncio.run(main())
