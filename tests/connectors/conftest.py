"""The HTTP entrance served for real, for the schema and fuzz tests of the connectors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.catalogue import load_catalogue
from config.settings import DEV_BOT_SECRET, BotClient
from connectors.http_api import create_api
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from streams.citizen_keys import CitizenKeys
from streams.intake import Intake
from streams.metrics import create_metrics
from streams.producer import Producer
from tests.connectors.webhook_support import serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API on a SQLite ledger; the producer never connects, so inquiries wait durably."""
    path: Path = tmp_path_factory.mktemp("openapi") / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    intake = Intake(
        ledger=Ledger(engine),
        producer=Producer(bootstrap_servers="127.0.0.1:9"),
        topic="unused",
        citizen_keys=CitizenKeys(secret=b"test-citizen-key"),
    )
    app = create_api(
        intake=intake,
        max_body_bytes=65_536,
        redelivery_after_s=3_600,
        redelivery_interval_s=3_600,
        bot_clients=[BotClient(id="local-dev", secret=SecretStr(DEV_BOT_SECRET))],
        # Short: a generated `Prefer: wait=N` should not hold every example for seconds.
        sync_wait_s=0.1,
        metrics=create_metrics(),
        catalogue=load_catalogue(),
    )
    with serve(app) as url:
        yield url
    engine.dispose()
