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
from models.refusals import Refusal, RefusalCode
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
# Public so the dashboard offers exactly the values this check accepts.
RELABEL_VALUES: dict[str, tuple[str, ...]] = {
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
            raise _not_open(item)
        event = ItemClaimed(inquiry_id=item.inquiry_id, queue=item.queue, actor=operator.username)
        return await self._act(operator, item, event)

    async def release(self, *, operator: Operator, inquiry_id: str) -> QueueItemView:
        """Give a claimed item back to its queue: the claimer or a supervisor."""
        item = await self._item(operator, inquiry_id)
        if item.state != "claimed":
            raise ActionRefused("not_claimed")
        _refuse_if_claimed_by_another(operator, item, "release")
        event = ItemReleased(inquiry_id=item.inquiry_id, queue=item.queue, actor=operator.username)
        return await self._act(operator, item, event)

    async def transfer(
        self, *, operator: Operator, inquiry_id: str, to_queue: ServiceArea, reason: str
    ) -> QueueItemView:
        """Move an item to another queue, any department's; a correction of the router."""
        item = await self._item(operator, inquiry_id)
        if to_queue not in SERVICE_AREAS:
            raise ActionRefused("no_queue", queue=to_queue)
        if to_queue == item.queue:
            raise ActionRefused("same_queue", queue=to_queue)
        if item.state == "resolved":
            raise ActionRefused("resolved_stays")
        _refuse_if_claimed_by_another(operator, item, "transfer")
        reason = _required_text(reason, what="reason", limit=MAX_REASON_CHARS)
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
            raise ActionRefused("resolved", outcome=item.outcome or "")
        _refuse_if_claimed_by_another(operator, item, "resolve")
        outcome = _required_text(outcome, what="outcome", limit=MAX_OUTCOME_CHARS)
        event = ItemResolved(
            inquiry_id=item.inquiry_id, queue=item.queue, actor=operator.username, outcome=outcome
        )
        return await self._act(operator, item, event)

    async def relabel(
        self, *, operator: Operator, inquiry_id: str, field: RelabelField, value: str
    ) -> QueueItemView:
        """Correct the type, complexity or urgency the classifier gave an item."""
        item = await self._item(operator, inquiry_id)
        if field not in RELABEL_VALUES:
            raise ActionRefused("not_relabelable", field=field)
        value = value.strip().lower()
        if value not in RELABEL_VALUES[field]:
            raise ActionRefused(
                "not_a_label", value=value, field=field, allowed=", ".join(RELABEL_VALUES[field])
            )
        old = _label_text(item, field)
        if value == old:
            raise ActionRefused("same_label", field=field, value=value)
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
            raise ActionRefused("not_found")
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
            why = result.refusal or Refusal("changed_meanwhile")
            raise ActionRefused(why.code, **why.params)
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


def _not_open(item: QueueItemView) -> ActionRefused:
    if item.state == "claimed":
        return ActionRefused("claimed", who=item.claimed_by or "")
    return ActionRefused("resolved", outcome=item.outcome or "")


def _refuse_if_claimed_by_another(operator: Operator, item: QueueItemView, action: str) -> None:
    if item.state != "claimed" or item.claimed_by == operator.username:
        return
    if operator.role != "supervisor":
        raise ActionRefused("claimed_by_another", who=item.claimed_by or "", action=action)


def _required_text(text: str, *, what: Literal["reason", "outcome"], limit: int) -> str:
    text = text.strip()
    if not text:
        raise ActionRefused("reason_missing" if what == "reason" else "outcome_missing")
    if len(text) > limit:
        too_long: RefusalCode = "reason_too_long" if what == "reason" else "outcome_too_long"
        raise ActionRefused(too_long, limit=limit, length=len(text))
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
