"""Redelivery: what the ledger accepted but nobody decided is published again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer

from config.settings import load_settings
from ledger.store import Ledger
from models.inquiry import Inquiry
from models.wire import decode
from streams.embedded_broker import EmbeddedBroker
from streams.intake import Intake
from streams.producer import Producer
from streams.redelivery import redeliver_once
from streams.topics import Topics, ensure_topics

pytestmark = pytest.mark.broker


async def _topic_ids(bootstrap: str, topic: str) -> list[str]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=3000)
        return [decode("inquiry", m.value).id for records in batch.values() for m in records]
    finally:
        await consumer.stop()


async def _redeliver(broker: EmbeddedBroker, ledger: Ledger, older_than_s: float) -> int:
    settings = load_settings()
    await ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=settings)
    producer = Producer(bootstrap_servers=broker.bootstrap_servers)
    await producer.start()
    try:
        intake = Intake(
            ledger=ledger, producer=producer, topic=Topics.for_settings(settings).inquiries
        )
        return await redeliver_once(intake=intake, older_than_s=older_than_s, batch=2)
    finally:
        await producer.stop()


@pytest.mark.usefixtures("ledger")
def test_undecided_inquiries_lost_by_the_broker_are_published_again(
    broker: EmbeddedBroker, ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    # Accepted, but the broker never got them (it crashed): only the ledger knows.
    lost = [make_inquiry() for _ in range(5)]
    for inquiry in lost:
        ledger.accept(inquiry)
    assert asyncio.run(_redeliver(broker, ledger, older_than_s=0.0)) == 5
    topic = Topics.for_settings(load_settings()).inquiries
    assert sorted(asyncio.run(_topic_ids(broker.bootstrap_servers, topic))) == sorted(
        i.id for i in lost
    )
    # Just published: not sent again until they are left untouched for the grace period.
    assert asyncio.run(_redeliver(broker, ledger, older_than_s=60.0)) == 0
