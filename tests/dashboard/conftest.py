"""A real dashboard server (uvicorn, real broker, SQLite ledger), accounts and queued items."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import Engine

from config.settings import Settings
from dashboard.app import mount_dashboard
from indgang.runtime import build_dashboard
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.classification import Classification
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.queue_events import ItemEnqueued
from queues.accounts import Accounts, Operator
from queues.projection import apply_events
from streams.embedded_broker import EmbeddedBroker, free_port
from streams.producer import Producer
from streams.topics import ensure_topics
from tests.processes import wait_until

PASSWORD = "rotter-i-baggaarden-42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite ledger."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def staff(db: Engine) -> Accounts:
    """Accounts on the ledger, with a cheap argon2 setting so tests stay quick."""
    return Accounts(db, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def make_account(staff: Accounts) -> Callable[..., Operator]:
    """Factory for stored accounts, all with PASSWORD; an MTM operator unless overridden."""
    counter = iter(range(1_000))

    def make(**overrides: Any) -> Operator:
        fields: dict[str, Any] = {
            "username": f"user{next(counter)}",
            "display_name": "Mette Testesen",
            "password": PASSWORD,
            "role": "operator",
            "department": "MTM",
        }
        fields.update(overrides)
        return staff.create(**fields)

    return make


@pytest.fixture
def queue_item(
    db: Engine,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
) -> Callable[..., str]:
    """Put an inquiry on a queue as the worker does; returns its id."""
    ledger = Ledger(db)

    def put(
        *,
        queue: str = "mtm.miljoe",
        urgent: bool = False,
        due_in: timedelta = timedelta(days=2),
        priority: int = 5,
        inquiry_type: str = "indberetning",
        **inquiry_fields: Any,
    ) -> str:
        inquiry = make_inquiry(**({"channel": "mail"} | inquiry_fields))
        decided = datetime.now(UTC)
        decision = RoutingDecision(
            inquiry_id=inquiry.id,
            action="queue",
            queue=queue,  # type: ignore[arg-type]
            priority=priority,
            due_at=decided + due_in,
            reason="test: queued",
            classification=make_classification(
                service_area=queue, type=inquiry_type, complexity="mellem", urgent=urgent
            ),
            decided_at=decided,
        )
        ledger.accept(inquiry)
        ledger.record_decisions(decided=[(inquiry, decision)])
        enqueued = ItemEnqueued(
            event_id=f"{inquiry.id}:enqueued",
            inquiry_id=inquiry.id,
            queue=decision.queue,
            priority=priority,
            due_at=decided + due_in,
            at=decided,
        )
        apply_events(db, [enqueued])
        return inquiry.id

    return put


class _Server:
    """uvicorn in a thread, serving an app until stopped."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        wait_until(lambda: self.server.started, timeout_s=30, what="uvicorn to start")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@dataclass(frozen=True)
class DashboardServer:
    """The HTTP side with the dashboard mounted, on a real port."""

    base_url: str
    engine: Engine
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A fresh browser-like client: its own cookie jar, redirects not followed."""
        client = httpx.Client(base_url=self.base_url, timeout=30)
        self.clients.append(client)
        return client

    def login(self, username: str, password: str = PASSWORD) -> httpx.Client:
        """A client signed in as a user."""
        client = self.client()
        response = submit(client, "/dashboard/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        return client


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = CSRF.search(html)
    assert match is not None, "the page has no form with a CSRF token"
    return match.group(1)


def submit(
    client: httpx.Client, path: str, fields: dict[str, str], *, page: str = "/dashboard/login"
) -> httpx.Response:
    """Post a form as a browser does: the CSRF token from a page of the same session first."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **fields})


def page(response: httpx.Response) -> BeautifulSoup:
    """A response's HTML, parsed."""
    return BeautifulSoup(response.text, "html.parser")


def soup(html: str) -> BeautifulSoup:
    """HTML, parsed."""
    return BeautifulSoup(html, "html.parser")


def flashes(html: str) -> list[str]:
    """The texts of the flash messages on a page."""
    return [
        p.get_text(" ", strip=True) for p in BeautifulSoup(html, "html.parser").select(".flash")
    ]


@pytest.fixture
def dashboard_server(
    broker: EmbeddedBroker, sqlite_url: str, db: Engine, tmp_path: Path
) -> Iterator[DashboardServer]:
    """The dashboard as `indgang api` builds it, with a producer connected to a real broker."""
    settings = Settings(
        environment="test",
        kafka_bootstrap_servers=broker.bootstrap_servers,
        database_url=sqlite_url,
        data_dir=tmp_path / "var",
    )
    producer = Producer(bootstrap_servers=broker.bootstrap_servers, client_id="dashboard-test")

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=settings)
        await producer.start()
        try:
            yield
        finally:
            await producer.stop()

    host = FastAPI(lifespan=lifespan)
    mount_dashboard(host, build_dashboard(settings, engine=db, producer=producer))
    port = free_port()
    with _Server(host, port):
        server = DashboardServer(base_url=f"http://127.0.0.1:{port}", engine=db)
        yield server
        for client in server.clients:
            client.close()
