"""streams.consumer_lag: the routing group's lag, asked of the real Tansu broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import CollectorRegistry

from models.errors import BrokerError
from streams.consumer_lag import ConsumerLagMonitor, measure_lag
from streams.embedded_broker import EmbeddedBroker, free_port
from tests.processes import wait_until

TOPIC = "lag-test.inquiries.v1"
GROUP = "lag-test-router"

pytestmark = [pytest.mark.broker]


@pytest.fixture
async def clients(
    broker: EmbeddedBroker,
) -> AsyncIterator[tuple[AIOKafkaAdminClient, AIOKafkaConsumer]]:
    """An admin client and a group-less consumer, with TOPIC created (2 partitions)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap_servers)
    await admin.start()
    await consumer.start()
    await admin.create_topics([NewTopic(TOPIC, num_partitions=2, replication_factor=1)])
    yield admin, consumer
    await consumer.stop()
    await admin.close()


async def _produce(broker: EmbeddedBroker, per_partition: dict[int, int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for partition, count in per_partition.items():
            for n in range(count):
                await producer.send_and_wait(TOPIC, f"m{n}".encode(), partition=partition)
    finally:
        await producer.stop()


async def _consume_and_commit(broker: EmbeddedBroker, count: int) -> None:
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=broker.bootstrap_servers,
        group_id=GROUP,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
    )
    await consumer.start()
    try:
        taken = 0
        while taken < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=count - taken)
            taken += sum(len(messages) for messages in batches.values())
        await consumer.commit()
    finally:
        await consumer.stop()


async def test_lag_is_end_minus_committed_per_partition(
    broker: EmbeddedBroker, clients: tuple[AIOKafkaAdminClient, AIOKafkaConsumer]
) -> None:
    admin, consumer = clients
    await _produce(broker, {0: 6, 1: 4})

    before = await measure_lag(admin=admin, consumer=consumer, group_id=GROUP, topics=[TOPIC])
    await _consume_and_commit(broker, 7)
    after = await measure_lag(admin=admin, consumer=consumer, group_id=GROUP, topics=[TOPIC])

    # A group that never committed has everything ahead of it.
    assert before == {(TOPIC, 0): 6, (TOPIC, 1): 4}
    assert sum(after.values()) == 3
    assert set(after) == {(TOPIC, 0), (TOPIC, 1)}


async def test_an_unreachable_broker_is_a_broker_error() -> None:
    servers = f"127.0.0.1:{free_port()}"
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=1000)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, request_timeout_ms=1000)
    with pytest.raises(BrokerError, match="consumer lag of lag-test-router not measured"):
        await measure_lag(admin=admin, consumer=consumer, group_id=GROUP, topics=[TOPIC])


async def test_the_monitor_measures_in_the_background_and_drops_stale_figures(
    broker: EmbeddedBroker, clients: tuple[AIOKafkaAdminClient, AIOKafkaConsumer]
) -> None:
    await _produce(broker, {0: 2, 1: 1})
    clock = [0.0]
    monitor = ConsumerLagMonitor(
        bootstrap_servers=broker.bootstrap_servers,
        group_id=GROUP,
        topics=[TOPIC],
        interval_s=0.2,
    )
    registry = CollectorRegistry()
    registry.register(monitor)

    def lag(partition: str) -> float | None:
        return registry.get_sample_value(
            "indgang_consumer_lag", {"topic": TOPIC, "partition": partition}
        )

    monitor.start()
    try:
        await asyncio.to_thread(
            wait_until, lambda: lag("0") == 2, timeout_s=30, what="a first measurement"
        )
    finally:
        monitor.stop()
    assert lag("1") == 1
    # Three intervals without a measurement (the broker is away): no figures rather than old ones.
    monitor.clock = lambda: clock[0]
    monitor.record({(TOPIC, 0): 5})
    assert lag("0") == 5
    clock[0] += 0.7
    assert lag("0") is None
