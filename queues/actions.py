"""Operators' actions on queue items: checked, published to Kafka first, then applied."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from sqlalchemy import Engine

from classifiers.redaction import redact
from models.errors import ActionRefused, BrokerError
from models.feedback import CorrectedField, Correction, encode_correction
from models.labels import COMPLEXITIES, INQUIRY_TYPES, SERVICE_AREAS, ServiceArea
from models.queue_events import (
    ItemClaimed,
    ItemRelabelled,
    ItemReleased,
    ItemResolved,
    ItemTransferred,
    QueueEvent,
)
from models.wire import encode
from queues.accounts import Operator
from queues.board import QueueBoard, QueueItemView
from queues.projection import apply_events
from streams.metrics import Metrics
from streams.producer import Producer
from streams.topics import Topics

log = logging.getLogger(__name__)

RelabelField = Literal["type", "complexity", "urgent"]
MAX_REASON_CHARS = 1_000
MAX_OUTCOME_CHARS = 200  # the width of queue_items.outcome
_LABELS: dict[str, tuple[str, ...]] = {
    "type": INQUIRY_TYPES,
    "complexity": COMPLEXITIES,
    "urgent": ("true", "false"),
}


class QueueActions:
    """Claim, release, transfer, resolve and re-label items on behalf of a signed-in person."""

    def __init__(
        self,
        *,
        engine: Engine,
        producer: Producer,
        topics: Topics,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.producer = producer
        self.topics = topics
        self.metrics = metrics
        self.board = QueueBoard(engine)

    async def claim(self, *, operator: Operator, inquiry_id: str) -> QueueItemView:
        """Take an open item."""
        item = await self._item(operator, inquiry_id)
        if item.state != "open":
            raise ActionRefused(_why_not_open(item))
        event = ItemClaimed(inquiry_id=item.inquiry_id, queue=item.queue, actor=operator.username)
        return await self._act(operator, item, event)

    async def release(self, *, operator: Operator, inquiry_id: str) -> QueueItemView:
        """Give a claimed item back to its queue: the claimer or a supervisor."""
        item = await self._item(operator, inquiry_id)
        if item.state != "claimed":
            raise ActionRefused("the item is not claimed, so there is nothing to release")
        _refuse_if_claimed_by_another(operator, item, "release")
        event = ItemReleased(inquiry_id=item.inquiry_id, queue=item.queue, actor=operator.username)
        return await self._act(operator, item, event)

    async def transfer(
        self, *, operator: Operator, inquiry_id: str, to_queue: ServiceArea, reason: str
    ) -> QueueItemView:
        """Move an item to another queue, any department's; a correction of the router."""
        item = await self._item(operator, inquiry_id)
        if to_queue not in SERVICE_AREAS:
            raise ActionRefused(f"{to_queue!r} is no queue")
        if to_queue == item.queue:
            raise ActionRefused(f"the item is in {to_queue} already")
        if item.state == "resolved":
            raise ActionRefused("the item is resolved; a resolved item stays where it was closed")
        _refuse_if_claimed_by_another(operator, item, "transfer")
        reason = _required_text(reason, what="a reason", limit=MAX_REASON_CHARS)
        event = ItemTransferred(
            inquiry_id=item.inquiry_id,
            queue=item.queue,
            actor=operator.username,
            to_queue=to_queue,
            reason=reason,
        )
        correction = _correction(
            event, operator, item, field="service_area", old=item.queue, new=to_queue
        )
        return await self._act(operator, item, event, correction)

    async def resolve(self, *, operator: Operator, inquiry_id: str, outcome: str) -> QueueItemView:
        """Close an item with what came of it."""
        item = await self._item(operator, inquiry_id)
        if item.state == "resolved":
            raise ActionRefused(f"the item is resolved already ({item.outcome})")
        _refuse_if_claimed_by_another(operator, item, "resolve")
        outcome = _required_text(outcome, what="an outcome", limit=MAX_OUTCOME_CHARS)
        event = ItemResolved(
            inquiry_id=item.inquiry_id, queue=item.queue, actor=operator.username, outcome=outcome
        )
        return await self._act(operator, item, event)

    async def relabel(
        self, *, operator: Operator, inquiry_id: str, field: RelabelField, value: str
    ) -> QueueItemView:
        """Correct the type, complexity or urgency the classifier gave an item."""
        item = await self._item(operator, inquiry_id)
        if field not in _LABELS:
            raise ActionRefused(f"{field!r} cannot be re-labelled; type, complexity or urgent")
        value = value.strip().lower()
        if value not in _LABELS[field]:
            raise ActionRefused(f"{value!r} is no {field}; one of {', '.join(_LABELS[field])}")
        old = _label_text(item, field)
        if value == old:
            raise ActionRefused(f"the item's {field} is {value} already")
        event = ItemRelabelled(
            inquiry_id=item.inquiry_id,
            queue=item.queue,
            actor=operator.username,
            field=field,
            value=value,
        )
        correction = _correction(event, operator, item, field=field, old=old, new=value)
        return await self._act(operator, item, event, correction)

    async def _item(self, operator: Operator, inquiry_id: str) -> QueueItemView:
        item = await asyncio.to_thread(self.board.item, viewer=operator, inquiry_id=inquiry_id)
        if item is None:
            raise ActionRefused("no such item in a queue you can see")
        return item

    async def _act(
        self,
        operator: Operator,
        item: QueueItemView,
        event: QueueEvent,
        correction: Correction | None = None,
    ) -> QueueItemView:
        # Kafka first: once the event is there, every projector materialises it, this one too.
        await self.producer.publish(
            topic=self.topics.queue_events,
            messages=[(event.inquiry_id, encode("queue_event", event))],
        )
        if correction is not None:
            await self._publish_feedback(correction)
        [result] = await asyncio.to_thread(apply_events, self.engine, [event])
        if not result.applied:
            # Another person's action reached the ledger between our check and our event.
            raise ActionRefused(result.note or "the item changed meanwhile")
        if self.metrics is not None:
            self.metrics.operator_actions.labels(action=event.kind).inc()
            if isinstance(event, ItemTransferred):
                self.metrics.transfers.labels(from_service_area=item.queue).inc()
        view = await asyncio.to_thread(
            self.board.item, viewer=operator, inquiry_id=item.inquiry_id, anywhere=True
        )
        assert view is not None  # items are never deleted
        return view

    async def _publish_feedback(self, correction: Correction) -> None:
        try:
            await self.producer.publish(
                topic=self.topics.feedback,
                messages=[(correction.inquiry_id, encode_correction(correction))],
            )
        except BrokerError as exc:
            # The queue event is on Kafka and in the ledger, and training reads corrections
            # from the ledger; the feedback topic is a convenience copy, so the action stands.
            log.warning("correction %s not on the feedback topic: %s", correction.event_id, exc)


def _why_not_open(item: QueueItemView) -> str:
    if item.state == "claimed":
        return f"the item is claimed by {item.claimed_by} already"
    return f"the item is resolved already ({item.outcome})"


def _refuse_if_claimed_by_another(operator: Operator, item: QueueItemView, action: str) -> None:
    if item.state != "claimed" or item.claimed_by == operator.username:
        return
    if operator.role != "supervisor":
        raise ActionRefused(
            f"the item is claimed by {item.claimed_by}; only they or a supervisor may {action} it"
        )


def _required_text(text: str, *, what: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise ActionRefused(f"{what} is needed")
    if len(text) > limit:
        raise ActionRefused(f"{what} of at most {limit} characters is needed, not {len(text)}")
    return text


def _label_text(item: QueueItemView, field: str) -> str:
    if field == "urgent":
        return "true" if item.urgent else "false"
    return str(getattr(item, field))


def _correction(
    event: ItemTransferred | ItemRelabelled,
    operator: Operator,
    item: QueueItemView,
    *,
    field: CorrectedField,
    old: str,
    new: str,
) -> Correction:
    # The view holds clear text for some roles; redacting twice is harmless.
    reason = redact(event.reason) if isinstance(event, ItemTransferred) else None
    return Correction(
        event_id=event.event_id,
        inquiry_id=event.inquiry_id,
        at=event.at,
        actor_role=operator.role,
        field=field,
        old=old,
        new=new,
        reason=reason,
        channel=item.channel,
        subject_redacted=redact(item.subject),
        text_redacted=redact(item.text),
    )
