"""The routing worker on the real Tansu broker: decisions once, bad messages parked with reasons."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from config.settings import load_settings
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.wire import decode, encode
from streams.embedded_broker import EmbeddedBroker
from streams.topics import Topics, ensure_topics
from tests.processes import wait_until

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture(params=["0", "1"], ids=["deciding-in-process", "deciding-in-a-pool"])
def worker(
    broker: EmbeddedBroker, sqlite_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Ledger]:
    """`indgang worker` in a subprocess against the test broker and a fresh ledger."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INDGANG_")},
        "INDGANG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "INDGANG_DATABASE_URL": sqlite_url,
        "INDGANG_WORKER_DECIDE_PROCESSES": request.param,
    }
    with open(tmp_path / "worker.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "indgang", "worker"], env=env, stdout=log, stderr=log
        )
    yield Ledger(engine)
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    assert process.returncode is not None


async def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def _consume(
    bootstrap: str, topic: str, until: Callable[[list[bytes]], bool], timeout_s: float = 60
) -> list[bytes]:
    """Read `topic` from the start until `until` holds for what was read, or the timeout.

    On a timeout it returns what it read, so the caller's assertion says what is missing.
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    got: list[bytes] = []
    try:
        async with asyncio.timeout(timeout_s):
            while not until(got):
                batch = await consumer.getmany(timeout_ms=500)
                got += [m.value for records in batch.values() for m in records]
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return got


def test_each_inquiry_on_the_topic_gets_one_decision_even_when_delivered_twice(
    broker: EmbeddedBroker, worker: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    topics = Topics.for_settings(load_settings())
    asyncio.run(ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=load_settings()))
    inquiries = [
        make_inquiry(text=f"Hvornår tømmes min skraldespand, vej nr {n}?") for n in range(40)
    ]
    messages = [(i.id.encode(), encode("inquiry", i)) for i in inquiries]
    asyncio.run(_produce(broker.bootstrap_servers, topics.inquiries, messages + messages[:10]))
    # The first decisions wait for the worker to load the model (in the decide pool too) and
    # join its group: tests/indgang/test_run.py saw over 30 s of that on a loaded machine.
    wait_until(lambda: worker.counts()["decisions"] == 40, timeout_s=120, what="40 decisions")
    want = {i.id for i in inquiries}
    # A copy decided in a later batch than its original publishes the standing decision again
    # (47-50 messages for these 40 inquiries were measured), and the original of another
    # inquiry may still be on its way, so read until every inquiry's decision is there rather
    # than until 40 messages are.
    decisions = asyncio.run(
        _consume(
            broker.bootstrap_servers,
            topics.decisions,
            until=lambda got: {decode("decision", raw).inquiry_id for raw in got} >= want,
        )
    )
    published: dict[str, list[RoutingDecision]] = {}
    for raw in decisions:
        decision = decode("decision", raw)
        published.setdefault(decision.inquiry_id, []).append(decision)
    assert published.keys() == want
    # One decision each: a redelivery republishes the decision that stands, never a new one.
    assert [i for i, copies in published.items() if any(c != copies[0] for c in copies)] == []
    queued = sum(copies[0].action == "queue" for copies in published.values())
    # ... and never makes a second queue item.
    assert worker.counts() == {"inquiries": 40, "decisions": 40, "queue_items": queued}


def test_malformed_messages_are_parked_with_their_reason_and_the_worker_goes_on(
    broker: EmbeddedBroker, worker: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    settings = load_settings()
    topics = Topics.for_settings(settings)
    asyncio.run(ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=settings))
    good = make_inquiry()
    wrong_type = json.dumps(
        {"kind": "inquiry", "version": 1, "data": {"channel": "chat", "text": 7}}
    )
    bad = [
        b"{broken json",
        b"\xff\xfe not utf-8",
        wrong_type.encode(),
        json.dumps({"kind": "inquiry", "version": 7, "data": {}}).encode(),
        json.dumps({"kind": "inquiry", "version": 1, "data": {"channel": "chat"}}).encode(),
    ]
    messages = [(uuid.uuid4().hex.encode(), value) for value in bad]
    asyncio.run(
        _produce(
            broker.bootstrap_servers,
            topics.inquiries,
            [*messages, (good.id.encode(), encode("inquiry", good))],
        )
    )
    parked = [
        decode("dead_letter", raw)
        for raw in asyncio.run(
            _consume(
                broker.bootstrap_servers,
                topics.dead_letters,
                # Distinct source offsets: a redelivery after a rebalance parks a message again.
                until=lambda got: len({_source(raw) for raw in got}) >= len(bad),
                # The first dead letters wait for the worker's start, as the decisions above.
                timeout_s=120,
            )
        )
    ]
    reasons = sorted(letter.reason for letter in parked)
    assert any("not JSON" in r for r in reasons)
    assert any("not UTF-8" in r for r in reasons)
    assert any("unsupported inquiry version 7" in r for r in reasons)
    assert any("text: Field required" in r for r in reasons)
    assert any("Input should be a valid string" in r for r in reasons)
    assert all(
        letter.source_topic == topics.inquiries and letter.offset is not None for letter in parked
    )
    # The good inquiry after the bad ones was still decided: the worker kept running.
    wait_until(lambda: worker.counts()["decisions"] == 1, timeout_s=60, what="the good decision")


def _source(raw: bytes) -> tuple[int | None, int | None]:
    letter = decode("dead_letter", raw)
    return letter.partition, letter.offset
