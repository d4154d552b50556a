"""The worker materialises queue events from the topic, whoever published them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import select

from config.settings import load_settings
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.schema import InquiryRow, QueueEventRow, QueueItemRow
from ledger.store import Ledger
from models.inquiry import Inquiry
from models.queue_events import ItemClaimed
from models.wire import decode, encode
from streams.embedded_broker import EmbeddedBroker
from streams.topics import Topics, ensure_topics
from tests.processes import wait_until
from tests.queues.conftest import CPR_TEXT, Queued

pytestmark = [pytest.mark.broker, pytest.mark.slow]
TOPICS = Topics.for_settings(load_settings())


@pytest.fixture
def ledger(sqlite_url: str) -> Iterator[Ledger]:
    """A migrated SQLite ledger the worker subprocess shares (PostgreSQL adds nothing here)."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield Ledger(engine)
    engine.dispose()


@pytest.fixture
def worker(
    broker: EmbeddedBroker, ledger: Ledger, sqlite_url: str, tmp_path: Path
) -> Iterator[None]:
    """`indgang worker` in a subprocess on the test broker and ledger."""
    asyncio.run(ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=load_settings()))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INDGANG_")},
        "INDGANG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "INDGANG_DATABASE_URL": sqlite_url,
    }
    with open(tmp_path / "worker.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "indgang", "worker"], env=env, stdout=log, stderr=log
        )
    yield
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def _produce(bootstrap: str, topic: str, messages: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value=value, key=key.encode())
    finally:
        await producer.stop()


async def _first(bootstrap: str, topic: str) -> bytes:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        async with asyncio.timeout(60):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    return bytes(records[0].value)
    finally:
        await consumer.stop()


def _item(ledger: Ledger, inquiry_id: str) -> tuple[str, str | None] | None:
    with ledger.engine.connect() as connection:
        row = connection.execute(
            select(QueueItemRow.state, QueueItemRow.claimed_by).where(
                QueueItemRow.inquiry_id == inquiry_id
            )
        ).one_or_none()
    return (row[0], row[1]) if row else None


def _event_ids(ledger: Ledger) -> set[str]:
    with ledger.engine.connect() as connection:
        return set(connection.scalars(select(QueueEventRow.event_id)))


@pytest.mark.usefixtures("worker")
def test_events_from_another_process_are_applied_and_garbage_is_parked(
    ledger: Ledger, broker: EmbeddedBroker, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue(project=False)
    claim = ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="bo")
    asyncio.run(
        _produce(
            broker.bootstrap_servers,
            TOPICS.queue_events,
            [
                (queued.id, encode("queue_event", queued.enqueued)),
                ("junk", b"{not an event"),
                (queued.id, encode("queue_event", claim)),
            ],
        )
    )
    wait_until(
        lambda: _item(ledger, queued.id) == ("claimed", "bo"), timeout_s=90, what="the claim"
    )
    assert _event_ids(ledger) == {queued.enqueued.event_id, claim.event_id}
    parked = decode(
        "dead_letter", asyncio.run(_first(broker.bootstrap_servers, TOPICS.dead_letters))
    )
    assert (parked.source_topic, parked.payload) == (TOPICS.queue_events, "{not an event")


@pytest.mark.usefixtures("worker")
def test_the_worker_projects_its_own_enqueued_events_and_stores_the_redacted_text(
    ledger: Ledger, broker: EmbeddedBroker, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiry = make_inquiry(
        channel="mail", subject="Klage over skraldebilen", text=f"Jeg vil klage. {CPR_TEXT}"
    )
    asyncio.run(
        _produce(
            broker.bootstrap_servers, TOPICS.inquiries, [(inquiry.id, encode("inquiry", inquiry))]
        )
    )
    enqueued = f"{inquiry.id}:enqueued"
    wait_until(
        lambda: enqueued in _event_ids(ledger), timeout_s=90, what="the worker's enqueued event"
    )
    assert _item(ledger, inquiry.id) == ("open", None)
    with ledger.engine.connect() as connection:
        redacted = connection.scalar(
            select(InquiryRow.redacted_text).where(InquiryRow.id == inquiry.id)
        )
    assert redacted is not None
    assert "010203-1234" not in redacted
    assert "[CPR]" in redacted
