"""Read the queue-events topic from its beginning to its current end, for a rebuild."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from models.errors import BrokerError, PayloadError
from models.queue_events import QueueEvent
from models.wire import decode

log = logging.getLogger(__name__)


@dataclass
class TopicRead:
    """The events read, in topic order per partition, and how many messages were unreadable."""

    events: list[QueueEvent] = field(default_factory=list)
    unreadable: int = 0


async def read_queue_events(
    *, bootstrap_servers: str, topic: str, timeout_s: float = 300.0
) -> TopicRead:
    """Every queue event on the topic now; an item's events share a key, so keep their order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=15_000,
    )
    read = TopicRead()
    try:
        await consumer.start()
        await consumer.topics()  # fills the metadata partitions_for_topic reads
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        if not partitions:
            raise BrokerError(f"topic {topic} does not exist on {bootstrap_servers}")
        assigned = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        async with asyncio.timeout(timeout_s):
            for tp in assigned:
                await _read_partition(consumer, tp, ends[tp], read)
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic} from {bootstrap_servers}: {exc}") from exc
    except TimeoutError as exc:
        raise BrokerError(f"reading {topic} took longer than {timeout_s:.0f} s") from exc
    finally:
        await consumer.stop()
    return read


async def _read_partition(
    consumer: AIOKafkaConsumer, tp: TopicPartition, end: int, read: TopicRead
) -> None:
    # One partition at a time, so the events of one item come back in the order written.
    others = [p for p in consumer.assignment() if p != tp]
    consumer.pause(*others)
    try:
        while await consumer.position(tp) < end:
            batch = await consumer.getmany(tp, timeout_ms=500)
            for message in batch.get(tp, []):
                if message.offset >= end:
                    return
                try:
                    read.events.append(decode("queue_event", message.value))
                except PayloadError as exc:
                    read.unreadable += 1
                    where = f"{tp.topic}[{tp.partition}]@{message.offset}"
                    log.warning("skipped %s: %s", where, exc.reason)
    finally:
        consumer.resume(*others)
