"""A Faust app whose Kafka consumer asks the broker to wait less for new records.

faust-streaming fixes aiokafka's `fetch_max_wait_ms` at 1,500 ms. Apache Kafka answers a
fetch as soon as one byte is there, but Tansu, the embedded broker, was measured holding a
fetch over several partitions for most of that wait (median 715 ms from send to receipt at
1,500 ms against 2.6 ms at 20 ms), and every inquiry waited for it.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka


def fast_fetch_app(*args: Any, fetch_max_wait_ms: int, **kwargs: Any) -> faust.App:
    """A faust.App like any other, but its consumers wait at most `fetch_max_wait_ms`."""

    class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):  # type: ignore[misc]
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            # Read by aiokafka when start() builds the fetcher, which has not happened yet.
            consumer._fetch_max_wait_ms = fetch_max_wait_ms
            return consumer

    class _Consumer(faust_aiokafka.Consumer):  # type: ignore[misc]
        def _new_consumer_thread(self) -> _ConsumerThread:
            return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class _Transport(faust_aiokafka.Transport):  # type: ignore[misc]
        Consumer = _Consumer

    class _App(faust.App):  # type: ignore[misc]
        def _new_transport(self) -> Any:
            return _Transport(self.conf.broker_consumer, self)

    return _App(*args, **kwargs)
