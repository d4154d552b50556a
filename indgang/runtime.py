"""The composition root: builds every part from one validated Settings object."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import uvicorn

from config.catalogue import Catalogue, load_catalogue
from config.knowledge import load_knowledge_base
from config.settings import Settings
from connectors.http_api import create_api
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.errors import ConfigError
from router.answers import AnswerMatcher
from streams.citizen_keys import CitizenKeys
from streams.intake import Intake
from streams.metrics import Metrics, create_metrics
from streams.processor import InquiryProcessor
from streams.producer import Producer
from streams.topics import Topics, ensure_topics
from streams.worker import create_app

if TYPE_CHECKING:
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


def build_catalogue(settings: Settings) -> Catalogue:
    """The validated catalogue from the configured or shipped directory."""
    return load_catalogue(settings.catalogue_dir)


def build_citizen_keys(settings: Settings) -> CitizenKeys:
    """The entrance's keyed hash for first-contact resolution."""
    return CitizenKeys(secret=settings.citizen_key_secret.get_secret_value().encode("utf-8"))


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
    if metrics_port:
        serve_worker_metrics(metrics, metrics_port, metrics_host)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(bootstrap_servers=servers, settings=settings))
    app = create_app(
        settings=settings, bootstrap_servers=servers, processor=processor, metrics=metrics
    )
    worker = faust.Worker(app, loop=loop, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()


def run_api(settings: Settings, *, host: str, port: int) -> None:
    """Serve the HTTP side until it is told to stop."""
    servers = bootstrap_servers(settings)
    asyncio.run(ensure_topics(bootstrap_servers=servers, settings=settings))
    intake = Intake(
        ledger=build_ledger(settings),
        producer=Producer(bootstrap_servers=servers, client_id="indgang-api"),
        topic=Topics.for_settings(settings).inquiries,
        citizen_keys=build_citizen_keys(settings),
    )
    app = create_api(
        intake=intake,
        metrics=create_metrics(),
        max_body_bytes=settings.max_body_bytes,
        redelivery_after_s=settings.redelivery_after_s,
        redelivery_interval_s=settings.redelivery_interval_s,
    )
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False)
