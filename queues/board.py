"""The dashboard's read model: queue items and per-queue figures, as a viewer may see them."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Engine, and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from classifiers.redaction import redact_many
from ledger.schema import DecisionRow, InquiryRow, QueueEventRow, QueueItemRow
from ledger.times import utc
from ledger.transactions import transaction
from models.inquiry import Inquiry
from models.labels import (
    COMPLEXITIES,
    INQUIRY_TYPES,
    SERVICE_AREAS,
    Channel,
    Complexity,
    Department,
    InquiryType,
    ServiceArea,
    department_of,
)
from models.wire import decode
from queues.accounts import Operator

ItemState = Literal["open", "claimed", "resolved"]
MISROUTE_WINDOW = timedelta(days=7)
_WAITING = ("open", "claimed")


@dataclass(frozen=True)
class QueueItemView:
    """One item as its viewer may see it: labels as corrected, text redacted unless allowed."""

    inquiry_id: str
    queue: ServiceArea
    department: Department
    service_area: ServiceArea  # as classified; `queue` is where the item is now
    channel: Channel
    type: InquiryType
    complexity: Complexity
    urgent: bool
    priority: int
    state: ItemState
    claimed_by: str | None
    received_at: datetime  # when the citizen wrote: an item's age counts from here
    created_at: datetime  # when the item was queued (later, after an outage or a slow decision)
    due_at: datetime
    text: str
    subject: str
    transfers: int
    outcome: str | None


@dataclass(frozen=True)
class QueueSummary:
    """A queue at a glance: what waits, how long, and how often the router sent it wrongly."""

    queue: ServiceArea
    department: Department
    depth: int
    claimed: int
    oldest_age_s: float | None
    past_due: int
    arrivals_7d: int
    misrouted_7d: int


class QueueBoard:
    """Reads queue items and figures for one viewer at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def items(
        self,
        *,
        viewer: Operator,
        queues: Collection[str] | None = None,
        channels: Collection[str] | None = None,
        include_resolved: bool = False,
        limit: int = 500,
    ) -> list[QueueItemView]:
        """Items in queues the viewer can see: urgent first, then priority, then due time."""
        visible = [q for q in visible_queues(viewer) if queues is None or q in queues]
        where: list[ColumnElement[bool]] = [QueueItemRow.queue.in_(visible)]
        if channels is not None:
            where.append(InquiryRow.channel.in_(list(channels)))
        if not include_resolved:
            where.append(QueueItemRow.state.in_(_WAITING))
        with transaction(self._sessions) as session:
            views = _views(session, where, full_text=viewer.sees_full_text, limit=limit)
        # Corrected urgency can move an item up the page it was fetched in.
        return sorted(views, key=lambda v: (not v.urgent, v.priority, v.due_at))

    def item(
        self, *, viewer: Operator, inquiry_id: str, anywhere: bool = False
    ) -> QueueItemView | None:
        """One item, resolved or not, if in a queue the viewer can see (or `anywhere`)."""
        # `anywhere` is for showing an item to the person who just moved it out of sight.
        where = [QueueItemRow.inquiry_id == inquiry_id]
        if not anywhere:
            where.append(QueueItemRow.queue.in_(visible_queues(viewer)))
        with transaction(self._sessions) as session:
            views = _views(session, where, full_text=viewer.sees_full_text, limit=1)
        return views[0] if views else None

    def summaries(self, *, viewer: Operator, now: datetime) -> list[QueueSummary]:
        """Figures for every queue the viewer can see, in the label space's order."""
        visible = visible_queues(viewer)
        now = utc(now)
        waiting = (
            select(
                QueueItemRow.queue,
                func.count(),
                func.sum(case((QueueItemRow.state == "claimed", 1), else_=0)),
                # The wait is the citizen's, from when they wrote, not from when the item was
                # written (later, after an outage or a slow decision). Every item has its
                # inquiry row: a foreign key, and the projector refuses an enqueue without one.
                func.min(InquiryRow.received_at),
                func.sum(case((QueueItemRow.due_at < now, 1), else_=0)),
            )
            .join(InquiryRow, InquiryRow.id == QueueItemRow.inquiry_id)
            .where(QueueItemRow.queue.in_(visible), QueueItemRow.state.in_(_WAITING))
            .group_by(QueueItemRow.queue)
        )
        since = now - MISROUTE_WINDOW
        # Misrouted: the router put it here and someone later moved it out of here. A join on
        # the few recent transfers, not EXISTS per arrival: SQLite picks the wrong index there.
        moved_out = (
            select(QueueEventRow.inquiry_id, QueueEventRow.queue)
            .where(
                QueueEventRow.kind == "transferred",
                QueueEventRow.applied,
                QueueEventRow.at >= since,
            )
            .distinct()
            .subquery()
        )
        arrivals = (
            select(DecisionRow.queue, func.count(), func.count(moved_out.c.inquiry_id))
            .outerjoin(
                moved_out,
                and_(
                    moved_out.c.inquiry_id == DecisionRow.inquiry_id,
                    moved_out.c.queue == DecisionRow.queue,
                ),
            )
            .where(
                DecisionRow.action == "queue",
                DecisionRow.queue.in_(visible),
                DecisionRow.decided_at >= since,
            )
            .group_by(DecisionRow.queue)
        )
        with transaction(self._sessions) as session:
            now_waiting = {row[0]: row[1:] for row in session.execute(waiting)}
            arrived = {row[0]: row[1:] for row in session.execute(arrivals)}
        summaries = []
        for queue in visible:
            depth, claimed, oldest, past_due = now_waiting.get(queue, (0, 0, None, 0))
            n_arrived, n_misrouted = arrived.get(queue, (0, 0))
            summaries.append(
                QueueSummary(
                    queue=queue,
                    department=department_of(queue),
                    depth=int(depth),
                    claimed=int(claimed or 0),
                    # A bot client's clock may put received_at a little ahead of ours.
                    oldest_age_s=max((now - utc(oldest)).total_seconds(), 0.0) if oldest else None,
                    past_due=int(past_due or 0),
                    arrivals_7d=int(n_arrived),
                    misrouted_7d=int(n_misrouted or 0),
                )
            )
        return summaries

    def change_token(self, *, viewer: Operator) -> str:
        """A short value that changes whenever anything this viewer can see has changed."""
        visible = visible_queues(viewer)
        items = select(
            func.count(),
            func.sum(case((QueueItemRow.state == "claimed", 1), else_=0)),
            func.sum(case((QueueItemRow.state == "resolved", 1), else_=0)),
            func.sum(QueueItemRow.transfers),
            func.max(QueueItemRow.created_at),
            func.max(QueueItemRow.updated_at),
        ).where(QueueItemRow.queue.in_(visible))
        # Events too, so a change stamped with an older time (another host's clock) still shows.
        events = select(func.count(), func.max(QueueEventRow.at)).where(
            QueueEventRow.queue.in_(visible)
        )
        with transaction(self._sessions) as session:
            figures = (*session.execute(items).one(), *session.execute(events).one())
        return hashlib.sha256(repr(figures).encode()).hexdigest()[:16]


def visible_queues(viewer: Operator) -> list[ServiceArea]:
    """The queues a viewer can see, in the label space's order."""
    return [queue for queue in SERVICE_AREAS if viewer.can_see(queue)]


def _views(
    session: Session, where: Sequence[ColumnElement[bool]], *, full_text: bool, limit: int
) -> list[QueueItemView]:
    query = (
        select(
            QueueItemRow,
            DecisionRow,
            InquiryRow.received_at,
            InquiryRow.envelope,
            InquiryRow.redacted_text,
        )
        .join(InquiryRow, InquiryRow.id == QueueItemRow.inquiry_id)
        .outerjoin(DecisionRow, DecisionRow.inquiry_id == QueueItemRow.inquiry_id)
        .where(and_(*where))
        .order_by(
            func.coalesce(DecisionRow.urgent, False).desc(),
            QueueItemRow.priority,
            QueueItemRow.due_at,
            QueueItemRow.inquiry_id,
        )
        .limit(limit)
    )
    rows = session.execute(query).all()
    corrections = _relabels(session, [item.inquiry_id for item, *_ in rows])
    inquiries: list[Inquiry] = [decode("inquiry", envelope) for *_, envelope, _ in rows]
    if full_text:
        texts = [(i.subject, i.text) for i in inquiries]
    else:
        texts = _redacted(inquiries, [stored for *_, stored in rows])
    views = []
    for (item, decision, received_at, _, _), inquiry, (subject, text) in zip(
        rows, inquiries, texts, strict=True
    ):
        labels = _labels(item, decision) | corrections.get(item.inquiry_id, {})
        views.append(
            QueueItemView(
                inquiry_id=item.inquiry_id,
                queue=item.queue,  # type: ignore[arg-type]
                department=department_of(item.queue),  # type: ignore[arg-type]
                service_area=labels["service_area"],
                channel=inquiry.channel,
                type=labels["type"],
                complexity=labels["complexity"],
                urgent=labels["urgent"],
                priority=item.priority,
                state=item.state,  # type: ignore[arg-type]
                claimed_by=item.claimed_by,
                received_at=utc(received_at),
                created_at=utc(item.created_at),
                due_at=utc(item.due_at),
                text=text,
                subject=subject,
                transfers=item.transfers,
                outcome=item.outcome,
            )
        )
    return views


def _labels(item: QueueItemRow, decision: DecisionRow | None) -> dict[str, Any]:
    if decision is None:
        # Only if the decision row is missing: show the item, claim no labels were given.
        return {
            "service_area": item.queue,
            "type": "omstilling",
            "complexity": "mellem",
            "urgent": False,
        }
    return {
        "service_area": decision.service_area,
        "type": decision.type,
        "complexity": decision.complexity,
        "urgent": decision.urgent,
    }


def _relabels(session: Session, inquiry_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Labels as operators corrected them, later corrections over earlier ones."""
    if not inquiry_ids:
        return {}
    rows = session.execute(
        select(QueueEventRow.inquiry_id, QueueEventRow.event)
        .where(
            QueueEventRow.inquiry_id.in_(inquiry_ids),
            QueueEventRow.kind == "relabelled",
            QueueEventRow.applied,
        )
        .order_by(QueueEventRow.at, QueueEventRow.event_id)
    )
    corrected: dict[str, dict[str, Any]] = {}
    for inquiry_id, event in rows:
        field, value = str(event["field"]), str(event["value"])
        if field == "urgent":
            corrected.setdefault(inquiry_id, {})["urgent"] = value == "true"
        elif value in (INQUIRY_TYPES if field == "type" else COMPLEXITIES):
            corrected.setdefault(inquiry_id, {})[field] = value
    return corrected


def _redacted(inquiries: Sequence[Inquiry], stored: Sequence[str | None]) -> list[tuple[str, str]]:
    """Subjects and texts with personal data replaced; the worker's redaction where it exists."""
    # Until the worker has stored its redaction, redact here: about 0.1 ms per text.
    missing = [i.text for i, text in zip(inquiries, stored, strict=True) if text is None]
    made = iter(redact_many(missing))
    subjects = redact_many([i.subject for i in inquiries])
    return [
        (subject, text if text is not None else next(made))
        for subject, text in zip(subjects, stored, strict=True)
    ]
