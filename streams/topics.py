"""Topic names and their explicit creation (Tansu auto-creates 4 partitions, Kafka 1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from config.settings import Settings
from models.errors import BrokerError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topics:
    """Every topic Indgang uses, all keyed by inquiry id."""

    inquiries: str
    decisions: str
    queue_events: str
    dead_letters: str
    # Operators' corrections (transfers, re-labels), redacted: what `train --with-feedback` learns.
    feedback: str
    # Callbacks to bot clients that failed their last try, for ops to see and replay.
    callback_dead_letters: str

    @classmethod
    def for_settings(cls, settings: Settings) -> Topics:
        """Names under the configured prefix, versioned like the wire format."""
        p = settings.topic_prefix
        return cls(
            inquiries=f"{p}.inquiries.v1",
            decisions=f"{p}.decisions.v1",
            queue_events=f"{p}.queue-events.v1",
            dead_letters=f"{p}.dead-letters.v1",
            feedback=f"{p}.feedback.v1",
            callback_dead_letters=f"{p}.callback-dead-letters.v1",
        )

    def all(self) -> tuple[str, ...]:
        """All topic names."""
        return (
            self.inquiries,
            self.decisions,
            self.queue_events,
            self.dead_letters,
            self.feedback,
            self.callback_dead_letters,
        )


async def ensure_topics(*, bootstrap_servers: str, settings: Settings) -> None:
    """Create Indgang's topics with the configured partition count, if they are missing."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15_000)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [t for t in Topics.for_settings(settings).all() if t not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        name,
                        num_partitions=settings.topic_partitions,
                        replication_factor=settings.topic_replication_factor,
                    )
                    for name in missing
                ]
            )
            log.info("created topics %s", ", ".join(missing))
    except TopicAlreadyExistsError:
        pass  # another process won the race; the topics are there
    except KafkaError as exc:
        raise BrokerError(f"cannot create topics on {bootstrap_servers}: {exc}") from exc
    finally:
        await admin.close()
