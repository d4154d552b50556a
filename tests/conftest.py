"""Shared fixtures: factories for domain objects, real databases and the real Tansu broker."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings

from config.catalogue import Catalogue, load_catalogue
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.classification import Classification, HeadConfidence
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.labels import department_of
from queues.accounts import Accounts, Operator
from streams.embedded_broker import EmbeddedBroker

REPO = Path(__file__).resolve().parents[1]
# The tests' own PostgreSQL: the local server of the development and CI machines.
PG_ADMIN_URL = os.environ.get(
    "INDGANG_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# Property-based and fuzz tests: a few hundred examples in CI; `make fuzz` selects the long
# profile (--hypothesis-profile=fuzz), which runs each of them for tens of thousands.
hypothesis_settings.register_profile("ci", max_examples=200)
hypothesis_settings.register_profile("fuzz", max_examples=20_000)
hypothesis_settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    """--chaos-full: run the chaos tests with their long load instead of CI's short one."""
    parser.addoption("--chaos-full", action="store_true", help="long chaos runs")


@pytest.fixture(autouse=True)
def _no_indgang_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own settings; a developer's INDGANG_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("INDGANG_") and name != "INDGANG_TEST_PG_ADMIN":
            monkeypatch.delenv(name)


@pytest.fixture
def make_inquiry() -> Callable[..., Inquiry]:
    """Factory for valid inquiries; override any field."""

    def make(**overrides: Any) -> Inquiry:
        fields: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "channel": "chat",
            "sender": "citizen",
            "text": "Hvornår har Borgerservice åbent på lørdag?",
        }
        fields.update(overrides)
        return Inquiry(**fields)

    return make


@pytest.fixture
def make_classification() -> Callable[..., Classification]:
    """Factory for classifications; confidences default to sure, the labels to a resolvable case."""

    def make(**overrides: Any) -> Classification:
        confidence = overrides.pop("confidence", {})
        fields: dict[str, Any] = {
            "service_area": "mkb.generel",
            "type": "generel_information",
            "complexity": "lav",
            "urgent": False,
            "model_version": "test-1",
        }
        fields.update(overrides)
        fields.setdefault("department", department_of(fields["service_area"]))
        conf = {"service_area": 0.9, "type": 0.9, "complexity": 0.9, "urgent": 0.05, **confidence}
        return Classification(confidence=HeadConfidence(**conf), **fields)

    return make


@pytest.fixture
def make_decision(
    make_classification: Callable[..., Classification],
) -> Callable[..., RoutingDecision]:
    """Factory for a queue decision of an inquiry as the worker makes one; override any field."""

    def make(inquiry_id: str, **overrides: Any) -> RoutingDecision:
        fields: dict[str, Any] = {
            "inquiry_id": inquiry_id,
            "action": "queue",
            "queue": "mkb.generel",
            "priority": 5,
            "due_at": datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
            "reason": "test",
            "classification": make_classification(),
        }
        fields.update(overrides)
        return RoutingDecision(**fields)

    return make


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped catalogue."""
    return load_catalogue()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    name = f"indgang_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"the local PostgreSQL server is needed for this test: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each ledger test runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    """A migrated ledger on a fresh database."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield Ledger(engine)
    engine.dispose()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """The real Tansu broker on a free loopback port, fresh per test (memory storage)."""
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as running:
        yield running


@pytest.fixture
def now() -> datetime:
    """A fixed Friday morning in Aarhus, 2026-11-20 09:00 local."""
    return datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def make_operator() -> Callable[..., Operator]:
    """Factory for signed-in operators; a plain operator of MTM unless overridden."""

    def make(**overrides: Any) -> Operator:
        fields: dict[str, Any] = {
            "username": f"op-{uuid.uuid4().hex[:8]}",
            "display_name": "Test Operatør",
            "role": "operator",
            "department": "MTM",
        }
        fields.update(overrides)
        return Operator(**fields)

    return make


@pytest.fixture
def accounts(ledger: Ledger) -> Accounts:
    """Accounts on the test ledger, with a cheap argon2 setting so tests stay quick."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return Accounts(ledger.engine, hasher=cheap)
