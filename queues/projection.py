"""Queue state from queue events: each event once by its id, replayable to the same state."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ledger.queue_event_rows import event_row, stored_event_id
from ledger.schema import DecisionRow, InquiryRow, QueueEventRow, QueueItemRow
from ledger.times import utc
from ledger.transactions import insert_ignore, transaction
from models.errors import PayloadError
from models.labels import COMPLEXITIES, INQUIRY_TYPES
from models.queue_events import (
    ItemClaimed,
    ItemEnqueued,
    ItemRelabelled,
    ItemReleased,
    ItemResolved,
    ItemTransferred,
    QueueEvent,
)
from models.refusals import Refusal
from models.wire import DeadLetter, decode, lenient_text
from streams.processor import RawMessage

log = logging.getLogger(__name__)

# Column widths of ledger/schema.py; a longer value cannot be a real inquiry or account.
_MAX_ID = 128
_MAX_ACTOR = 64
_MAX_OUTCOME = 200
_URGENT_VALUES = ("true", "false")


@dataclass(frozen=True)
class Applied:
    """What became of one event: applied to its item, or stored with the reason it was not."""

    event_id: str
    inquiry_id: str
    kind: str
    applied: bool
    note: str | None
    # The event was in the ledger already; this delivery changed nothing.
    duplicate: bool = False
    # Why it was not applied, for the operator's language; `note` is its English text. A
    # duplicate has only the stored note.
    refusal: Refusal | None = None


def apply_events(engine: Engine, events: Sequence[QueueEvent]) -> list[Applied]:
    """Record and apply events in order, in one transaction; a repeated event changes nothing."""
    for event in events:
        check_fits(event)
    with transaction(sessionmaker(engine)) as session:
        return [_apply(session, event) for event in events]


def rebuild(*, engine: Engine, events: Iterable[QueueEvent]) -> list[Applied]:
    """Reset every queue item to how the router queued it and replay the events in order."""
    replay = list(events)
    for event in replay:
        check_fits(event)
    with transaction(sessionmaker(engine)) as session:
        # Nothing is loaded into the session yet, so bulk statements need not synchronise it.
        session.execute(delete(QueueEventRow), execution_options={"synchronize_session": False})
        _reset_items(session, replay)
        return [_apply(session, event) for event in replay]


def project_messages(engine: Engine, messages: Sequence[RawMessage]) -> list[DeadLetter]:
    """Apply the queue events among raw messages; what cannot be read comes back as dead letters."""
    events: list[QueueEvent] = []
    dead: list[DeadLetter] = []
    for message in messages:
        try:
            event: QueueEvent = decode("queue_event", message.value)
            check_fits(event)
        except PayloadError as exc:
            log.warning(
                "dead-lettered %s[%d]@%d: %s",
                message.topic,
                message.partition,
                message.offset,
                exc.reason,
            )
            dead.append(
                DeadLetter(
                    reason=exc.reason,
                    source_topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    key=lenient_text(message.key, 256) if message.key else None,
                    payload=lenient_text(message.value),
                    detail=exc.detail,
                )
            )
            continue
        events.append(event)
    rest = _record_confirmations(engine, events) if events else []
    if rest:
        apply_events(engine, rest)
    return dead


def _record_confirmations(engine: Engine, events: Sequence[QueueEvent]) -> list[QueueEvent]:
    """Settle in bulk what needs no item changed; return the other events, in order.

    Nearly every event a worker projects is either the router's own ItemEnqueued for an item
    it recorded with the decision, or an operator's event the dashboard applied already. For
    those `_apply` changes no item, yet took three statements each, the worker's largest
    cost after classifying. Here: a repeat is dropped, as `_apply` would leave it; a
    confirming ItemEnqueued is recorded as applied, as `_apply` would record it.
    """
    ids = [stored_event_id(e) for e in events]
    enqueued = {e.inquiry_id for e in events if isinstance(e, ItemEnqueued)}
    with transaction(sessionmaker(engine)) as session:
        seen = set(
            session.scalars(select(QueueEventRow.event_id).where(QueueEventRow.event_id.in_(ids)))
        )
        queued = set(
            session.scalars(
                select(QueueItemRow.inquiry_id).where(QueueItemRow.inquiry_id.in_(enqueued))
            )
            if enqueued
            else ()
        )
        confirmed: list[dict[str, Any]] = []
        rest: list[QueueEvent] = []
        for event, event_id in zip(events, ids, strict=True):
            if event_id in seen:
                continue
            if isinstance(event, ItemEnqueued) and event.inquiry_id in queued:
                seen.add(event_id)
                confirmed.append(event_row(event, applied=True))
            else:
                rest.append(event)
        insert_ignore(session, QueueEventRow, confirmed)
    return rest


def check_fits(event: QueueEvent) -> None:
    """Raise PayloadError if the event names an inquiry or actor the ledger cannot hold."""
    if len(event.inquiry_id) > _MAX_ID:
        raise PayloadError(f"{event.kind} event: inquiry id longer than {_MAX_ID} characters")
    if len(event.actor) > _MAX_ACTOR:
        raise PayloadError(f"{event.kind} event: actor longer than {_MAX_ACTOR} characters")


def _apply(session: Session, event: QueueEvent) -> Applied:
    event_id = stored_event_id(event)
    # Claiming the event id first means two projectors never both apply one event.
    if not _insert_event(session, event, event_id):
        seen = session.get(QueueEventRow, event_id)
        assert seen is not None
        return Applied(event_id, event.inquiry_id, event.kind, seen.applied, seen.note, True)
    item = session.scalars(
        select(QueueItemRow).where(QueueItemRow.inquiry_id == event.inquiry_id).with_for_update()
    ).one_or_none()
    refusal = _transition(session, item, event)
    note = None if refusal is None else str(refusal)
    session.execute(
        update(QueueEventRow)
        .where(QueueEventRow.event_id == event_id)
        .values(applied=refusal is None, note=note)
    )
    return Applied(event_id, event.inquiry_id, event.kind, refusal is None, note, refusal=refusal)


def _insert_event(session: Session, event: QueueEvent, event_id: str) -> bool:
    row = event_row(event)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(QueueEventRow).values(row).on_conflict_do_nothing()
    return bool(session.execute(stmt.returning(QueueEventRow.event_id)).all())


def _transition(session: Session, item: QueueItemRow | None, event: QueueEvent) -> Refusal | None:
    """Change the item as the event says; return None, or why the event does not fit."""
    if isinstance(event, ItemEnqueued):
        return _enqueue(session, item, event)
    if item is None:
        return Refusal("not_queued")
    if isinstance(event, ItemRelabelled):
        return _relabel(item, event)
    if item.state == "resolved":
        return Refusal("resolved", {"outcome": item.outcome or ""})
    if item.queue != event.queue:
        return Refusal("moved", {"queue": item.queue, "expected": event.queue})
    at = utc(event.at)
    if isinstance(event, ItemClaimed):
        if item.state == "claimed":
            return Refusal("claimed", {"who": item.claimed_by or ""})
        item.state, item.claimed_by = "claimed", event.actor
    elif isinstance(event, ItemReleased):
        if item.state != "claimed":
            return Refusal("not_claimed")
        item.state, item.claimed_by = "open", None
    elif isinstance(event, ItemTransferred):
        if event.to_queue == item.queue:
            return Refusal("same_queue", {"queue": event.to_queue})
        item.queue, item.state, item.claimed_by = event.to_queue, "open", None
        item.transfers += 1
    elif isinstance(event, ItemResolved):
        item.state, item.outcome, item.resolved_at = "resolved", event.outcome[:_MAX_OUTCOME], at
    item.updated_at = at
    return None


def _enqueue(session: Session, item: QueueItemRow | None, event: ItemEnqueued) -> Refusal | None:
    if item is not None:
        return None  # the worker recorded the item with its decision; the event confirms it
    if session.get(InquiryRow, event.inquiry_id) is None:
        return Refusal("not_in_ledger")
    session.add(
        QueueItemRow(
            inquiry_id=event.inquiry_id,
            queue=event.queue,
            priority=event.priority,
            due_at=utc(event.due_at),
            state="open",
            created_at=utc(event.at),
            # Like an item the worker recorded: updated_at marks changes after arrival.
            updated_at=None,
            transfers=0,
        )
    )
    return None


def _relabel(item: QueueItemRow, event: ItemRelabelled) -> Refusal | None:
    allowed = {"type": INQUIRY_TYPES, "complexity": COMPLEXITIES, "urgent": _URGENT_VALUES}
    if event.value not in allowed[event.field]:
        labels = ", ".join(allowed[event.field])
        return Refusal(
            "not_a_label", {"value": event.value, "field": event.field, "allowed": labels}
        )
    # The decision row keeps what the router decided; the board reads corrections from events.
    item.updated_at = utc(event.at)
    return None


def _reset_items(session: Session, replay: Sequence[QueueEvent]) -> None:
    """Put every item back as first queued: its decision's queue, open, untouched."""
    has_decision = (
        select(DecisionRow.inquiry_id)
        .where(DecisionRow.inquiry_id == QueueItemRow.inquiry_id)
        .exists()
    )
    router_queue = (
        select(DecisionRow.queue)
        .where(DecisionRow.inquiry_id == QueueItemRow.inquiry_id)
        .scalar_subquery()
    )
    unsynchronised = {"synchronize_session": False}
    session.execute(
        update(QueueItemRow).values(
            state="open",
            claimed_by=None,
            resolved_at=None,
            outcome=None,
            transfers=0,
            updated_at=None,
        ),
        execution_options=unsynchronised,
    )
    session.execute(
        update(QueueItemRow).where(has_decision).values(queue=router_queue),
        execution_options=unsynchronised,
    )
    # An item without a decision row came from its enqueued event; that event names its queue.
    undecided = set(session.scalars(select(QueueItemRow.inquiry_id).where(~has_decision)))
    for event in replay:
        if isinstance(event, ItemEnqueued) and event.inquiry_id in undecided:
            undecided.discard(event.inquiry_id)
            session.execute(
                update(QueueItemRow)
                .where(QueueItemRow.inquiry_id == event.inquiry_id)
                .values(queue=event.queue, priority=event.priority, due_at=utc(event.due_at)),
                execution_options=unsynchronised,
            )
