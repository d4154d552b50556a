"""The Faust routing worker: consumes arriving inquiries and publishes decisions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import faust

from config.settings import Settings
from models.errors import BrokerError, LedgerError
from models.wire import encode
from streams.metrics import Metrics
from streams.processor import BatchOutcome, InquiryProcessor, RawMessage
from streams.topics import Topics

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


def create_app(
    *,
    settings: Settings,
    bootstrap_servers: str,
    processor: InquiryProcessor,
    metrics: Metrics | None = None,
) -> faust.App:
    """A Faust app with one agent that routes batches of inquiries."""
    topics = Topics.for_settings(settings)
    app = faust.App(
        f"{settings.topic_prefix}-router",
        broker=[f"kafka://{server}" for server in bootstrap_servers.split(",")],
        store="memory://",
        value_serializer="raw",
        key_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.consumer_session_timeout_s,
        broker_heartbeat_interval=settings.consumer_heartbeat_s,
        # Tansu has no idempotent producer or transactions (STREAMING-NOTES.md).
        processing_guarantee="at_least_once",
        producer_acks=-1,
        # Shutdown after a pending ack was seen to hang; the ledger covers what is not done.
        stream_wait_empty=False,
        web_enabled=False,
    )
    source = app.topic(topics.inquiries, partitions=settings.topic_partitions)
    sinks = {
        name: app.topic(name, partitions=settings.topic_partitions)
        for name in (topics.decisions, topics.queue_events, topics.dead_letters)
    }

    async def publish(outcome: BatchOutcome) -> None:
        futures = [
            await sinks[topics.decisions].send(
                key=d.inquiry_id.encode(), value=encode("decision", d)
            )
            for d in outcome.decisions
        ]
        futures += [
            await sinks[topics.queue_events].send(
                key=e.inquiry_id.encode(), value=encode("queue_event", e)
            )
            for e in outcome.queue_events
        ]
        futures += [
            await sinks[topics.dead_letters].send(
                key=(dl.key or "").encode(), value=encode("dead_letter", dl)
            )
            for dl in outcome.dead_letters
        ]
        for future in futures:
            await future

    @app.agent(source, name="route")
    async def route(stream: faust.StreamT[Any]) -> None:
        # take_events is missing from Faust's StreamT stub; it acks only after the body ran.
        async for events in stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_wait_s
        ):
            await handle_batch(
                [_raw(e) for e in events], processor=processor, publish=publish, metrics=metrics
            )

    return app


async def handle_batch(
    messages: Sequence[RawMessage],
    *,
    processor: InquiryProcessor,
    publish: Callable[[BatchOutcome], Awaitable[None]],
    metrics: Metrics | None = None,
) -> None:
    """Process and publish one batch; never raise, as Faust acks the batch even then."""
    where = _where(messages)
    try:
        outcome = await _retrying(lambda: asyncio.to_thread(processor.process, messages), where)
        await _retrying(lambda: publish(outcome), where)
        if metrics is not None:
            # Once per published batch result; a redelivered duplicate of an inquiry decided
            # earlier is counted twice (its standing decision comes back). Accepted for now.
            metrics.record_outcome(outcome)
    except Exception:
        # A bug, not an outage: the ledger still holds these inquiries undecided, so the
        # redeliverer brings them back; the worker goes on with the next batch.
        log.exception("batch %s failed; left for redelivery", where)


async def _retrying(step: Callable[[], Awaitable[T]], where: str) -> T:
    """Retry a step through outages of the database or broker, so no batch is acked undone."""
    attempt = 0
    while True:
        try:
            return await step()
        except (LedgerError, BrokerError) as exc:
            delay = RETRY_BACKOFF_S[min(attempt, len(RETRY_BACKOFF_S) - 1)]
            log.warning("batch %s: %s; retrying in %.1f s", where, exc, delay)
            attempt += 1
            await asyncio.sleep(delay)


def _raw(event: Any) -> RawMessage:
    message = event.message
    return RawMessage(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
    )


def _where(messages: Sequence[RawMessage]) -> str:
    if not messages:
        return "(empty)"
    first, last = messages[0], messages[-1]
    return (
        f"{first.topic}[{first.partition}]@{first.offset}"
        f"..{last.topic}[{last.partition}]@{last.offset}"
    )
