"""The composition root: builds every part from one validated Settings object."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import uvicorn

from config.catalogue import Catalogue, load_catalogue
from config.settings import Settings
from connectors.http_api import create_api
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.errors import ConfigError
from streams.intake import Intake
from streams.processor import InquiryProcessor
from streams.producer import Producer
from streams.topics import Topics, ensure_topics
from streams.worker import create_app

if TYPE_CHECKING:
    from classifiers.base import Classifier


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


def build_catalogue(settings: Settings) -> Catalogue:
    """The validated catalogue from the configured or shipped directory."""
    return load_catalogue(settings.catalogue_dir)


def run_worker(settings: Settings) -> None:
    """Run the routing worker until it is told to stop."""
    import faust  # late: Faust patches logging and the loop at import

    servers = bootstrap_servers(settings)
    processor = InquiryProcessor(
        classifier=build_classifier(settings),
        catalogue=build_catalogue(settings),
        ledger=build_ledger(settings),
    )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(bootstrap_servers=servers, settings=settings))
    app = create_app(settings=settings, bootstrap_servers=servers, processor=processor)
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
    )
    app = create_api(
        intake=intake,
        max_body_bytes=settings.max_body_bytes,
        redelivery_after_s=settings.redelivery_after_s,
        redelivery_interval_s=settings.redelivery_interval_s,
    )
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False)
