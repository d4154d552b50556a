"""Consumer lag of the routing workers' group, per topic and partition, asked of the broker.

Measured from outside the workers (the HTTP side runs this), so lag still shows when every
worker is down, which is when it matters most. Committed offsets come from the group
coordinator, end offsets from the partition leaders; both work on Tansu and Apache Kafka.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config.settings import Settings
from models.errors import BrokerError

log = logging.getLogger(__name__)

Lag = dict[tuple[str, int], int]


def router_group(settings: Settings) -> str:
    """The routing workers' consumer group: the Faust app id."""
    return f"{settings.topic_prefix}-router"


async def measure_lag(
    *,
    admin: AIOKafkaAdminClient,
    consumer: AIOKafkaConsumer,
    group_id: str,
    topics: Sequence[str],
) -> Lag:
    """End offset minus the group's committed offset, per partition; raises BrokerError."""
    try:
        described = await admin.describe_topics(list(topics))
        partitions = [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            if topic["error_code"] == 0
            for partition in topic["partitions"]
        ]
        if not partitions:
            return {}
        # Partitions named explicitly: Tansu drops the connection on an OffsetFetch for
        # "all partitions of the group" (measured with aiokafka 0.14 and Tansu 0.6).
        committed = await admin.list_consumer_group_offsets(group_id, partitions=partitions)
        end = await consumer.end_offsets(partitions)
        uncommitted = [tp for tp in partitions if _offset(committed.get(tp)) < 0]
        # A partition the group never committed is read from its start (auto_offset_reset).
        start = await consumer.beginning_offsets(uncommitted) if uncommitted else {}
    except KafkaError as exc:
        raise BrokerError(f"consumer lag of {group_id} not measured: {exc}") from exc
    lag: Lag = {}
    for tp in partitions:
        position = _offset(committed.get(tp))
        if position < 0:
            position = start[tp]
        lag[(tp.topic, tp.partition)] = max(end[tp] - position, 0)
    return lag


def _offset(found: object) -> int:
    return int(getattr(found, "offset", -1))


class ConsumerLagMonitor(Collector):
    """Measures lag in a thread of its own every `interval_s`; exports only fresh figures."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topics: Sequence[str],
        interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.topics = tuple(topics)
        self.interval_s = interval_s
        self.clock = clock
        self._lag: Lag = {}
        self._measured_at = float("-inf")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, lag: Lag) -> None:
        """Keep a measurement as the current one."""
        self._lag = dict(lag)
        self._measured_at = self.clock()

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """The family, without asking the broker."""
        return [self._family({})]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The last measurement, unless it is older than three intervals (the broker is away)."""
        fresh = self.clock() - self._measured_at <= 3 * self.interval_s
        yield self._family(self._lag if fresh else {})

    def _family(self, lag: Lag) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "indgang_consumer_lag",
            f"Messages not yet committed by consumer group {self.group_id}, per topic and "
            "partition (end offset minus committed offset; commits trail processing by "
            "the commit interval).",
            labels=["topic", "partition"],
        )
        for (topic, partition), value in sorted(lag.items()):
            family.add_metric([topic, str(partition)], value)
        return family

    def start(self) -> None:
        """Measure in the background until stop()."""
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._run()), name="consumer-lag", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop measuring and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False
        )
        started = False
        try:
            while not self._stop.is_set():
                try:
                    if not started:
                        await admin.start()
                        await consumer.start()
                        started = True
                    self.record(
                        await measure_lag(
                            admin=admin,
                            consumer=consumer,
                            group_id=self.group_id,
                            topics=self.topics,
                        )
                    )
                except (KafkaError, BrokerError) as exc:
                    log.warning("consumer lag not measured: %s", exc)
                await loop.run_in_executor(None, self._stop.wait, self.interval_s)
        finally:
            await consumer.stop()
            await admin.close()
