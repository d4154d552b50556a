"""A plain aiokafka producer with acks=all: Tansu has no idempotent producer to ask for."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from models.errors import BrokerError


class Producer:
    """Publishes keyed messages and waits until the broker has them all."""

    def __init__(self, *, bootstrap_servers: str, client_id: str = "indgang") -> None:
        self._options: dict[str, object] = {
            "bootstrap_servers": bootstrap_servers,
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": False,
            "linger_ms": 2,
            "request_timeout_ms": 10_000,
            "max_request_size": 2_097_152,
        }
        self._producer: AIOKafkaProducer | None = None

    @property
    def started(self) -> bool:
        """True once connected to the broker."""
        return self._producer is not None

    async def start(self) -> None:
        """Connect to the broker."""
        # aiokafka binds the running loop at construction, so construct here, not in __init__.
        producer = AIOKafkaProducer(**self._options)
        try:
            await producer.start()
        except KafkaError as exc:
            await producer.stop()
            raise BrokerError(f"cannot connect producer: {exc}") from exc
        self._producer = producer

    async def stop(self) -> None:
        """Flush and disconnect."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def publish(self, *, topic: str, messages: Sequence[tuple[str, bytes]]) -> None:
        """Send (key, value) pairs and wait for every acknowledgement."""
        producer = self._producer
        if producer is None:
            raise BrokerError("producer is not connected")
        try:
            futures = [
                await producer.send(topic, value=value, key=key.encode("utf-8"))
                for key, value in messages
            ]
            for future in futures:
                await future
        except KafkaError as exc:
            raise BrokerError(f"publish to {topic} failed: {exc}") from exc
