"""The Faust routing worker: consumes arriving inquiries and publishes decisions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import faust

from config.settings import Settings
from models.errors import BrokerError, LedgerError
from models.wire import DeadLetter, encode
from streams.consumer_lag import router_group
from streams.decide_pool import DecidePool
from streams.fast_fetch import fast_fetch_app
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
    project: Callable[[Sequence[RawMessage]], Sequence[DeadLetter]] | None = None,
    pool: DecidePool | None = None,
) -> faust.App:
    """A Faust app routing batches of inquiries and, given `project`, materialising queue events."""
    topics = Topics.for_settings(settings)
    app = fast_fetch_app(
        router_group(settings),
        fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
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

    # With a pool, one more actor than pool processes: one records while the others decide.
    # Faust commits only offsets below the first batch not yet acknowledged.
    concurrency = pool.processes + 1 if pool is not None else 1

    @app.agent(source, name="route", concurrency=concurrency)
    async def route(stream: faust.StreamT[Any]) -> None:
        # take_events is missing from Faust's StreamT stub; it acks only after the body ran.
        async for events in stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_wait_s
        ):
            await handle_batch(
                [_raw(e) for e in events],
                processor=processor,
                publish=publish,
                metrics=metrics,
                pool=pool,
            )

    async def park(dead_letters: Sequence[DeadLetter]) -> None:
        futures = [
            await sinks[topics.dead_letters].send(
                key=(dl.key or "").encode(), value=encode("dead_letter", dl)
            )
            for dl in dead_letters
        ]
        for future in futures:
            await future

    if project is not None:
        # Events from every process (HTTP replicas, this worker's own enqueued events) meet
        # here, so the ledger's queue state follows the topic whoever published.
        @app.agent(sinks[topics.queue_events], name="project-queue-events")
        async def project_queue_events(stream: faust.StreamT[Any]) -> None:
            async for events in stream.take_events(  # type: ignore[attr-defined]
                settings.worker_batch_size, within=settings.worker_batch_wait_s
            ):
                await handle_projection([_raw(e) for e in events], project=project, park=park)

    return app


async def handle_projection(
    messages: Sequence[RawMessage],
    *,
    project: Callable[[Sequence[RawMessage]], Sequence[DeadLetter]],
    park: Callable[[Sequence[DeadLetter]], Awaitable[None]],
) -> None:
    """Apply one batch of queue events; never raise, as Faust acks the batch even then."""
    where = _where(messages)
    try:
        dead_letters = await _retrying(lambda: asyncio.to_thread(project, messages), where)
        if dead_letters:
            await _retrying(lambda: park(dead_letters), where)
    except Exception:
        # A bug, not an outage: `indgang queues rebuild` replays the topic into the ledger.
        log.exception("queue events %s failed; left for a rebuild", where)


async def handle_batch(
    messages: Sequence[RawMessage],
    *,
    processor: InquiryProcessor,
    publish: Callable[[BatchOutcome], Awaitable[None]],
    metrics: Metrics | None = None,
    pool: DecidePool | None = None,
) -> None:
    """Process and publish one batch; never raise, as Faust acks the batch even then."""
    where = _where(messages)
    try:
        if pool is None:
            prepared = await asyncio.to_thread(processor.decider.prepare, messages)
        else:
            prepared = await pool.prepare(messages)
        outcome = await _retrying(lambda: asyncio.to_thread(processor.record, prepared), where)
        await _retrying(lambda: publish(outcome), where)
        if metrics is not None:
            # Once per published batch result; a redelivered duplicate of an inquiry decided
            # earlier is counted twice (its standing decision comes back). Accepted for now.
            metrics.record_outcome(outcome)
        log_decisions(outcome)
    except Exception:
        # A bug, not an outage: the ledger still holds these inquiries undecided, so the
        # redeliverer brings them back; the worker goes on with the next batch.
        log.exception("batch %s failed; left for redelivery", where)


def log_decisions(outcome: BatchOutcome) -> None:
    """One INFO line per published decision: ids and labels as fields, never the text."""
    if not log.isEnabledFor(logging.INFO):
        return  # at WARNING, as benchmarks run, not even the fields are gathered
    for decision in outcome.decisions:
        inquiry = outcome.inquiries.get(decision.inquiry_id)
        log.info(
            "decided %s",
            decision.action,
            extra={
                "inquiry_id": decision.inquiry_id,
                "channel": inquiry.channel if inquiry is not None else None,
                "action": decision.action,
                "queue": decision.queue,
                "department": decision.classification.department,
            },
        )


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
