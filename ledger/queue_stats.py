"""How the department queues stand: items waiting, the oldest, and those past due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select

from ledger.read_session import read_session
from ledger.schema import InquiryRow, QueueItemRow
from ledger.times import utc

WAITING_STATES = ("open", "claimed")


@dataclass(frozen=True)
class QueueStats:
    """One queue's waiting items (open and claimed; resolved ones are done)."""

    queue: str
    open: int
    claimed: int
    oldest_received_at: datetime | None  # when the citizen wrote the longest-waiting one
    past_due: int


def waiting_by_queue(engine: Engine, *, now: datetime) -> list[QueueStats]:
    """Per queue with waiting items: counts by state, the oldest item, items past due."""
    now = utc(now)  # SQLite compares stored UTC text, so the bound must be UTC too
    query = (
        select(
            QueueItemRow.queue,
            func.count().filter(QueueItemRow.state == "open"),
            func.count().filter(QueueItemRow.state == "claimed"),
            # From when the citizen wrote, not when the item was written (see QueueBoard).
            func.min(InquiryRow.received_at),
            func.sum(case((QueueItemRow.due_at < now, 1), else_=0)),
        )
        .join(InquiryRow, InquiryRow.id == QueueItemRow.inquiry_id)
        .where(QueueItemRow.state.in_(WAITING_STATES))
        .group_by(QueueItemRow.queue)
        .order_by(QueueItemRow.queue)
    )
    with read_session(engine) as session:
        rows = session.execute(query).all()
    return [
        QueueStats(
            queue=queue,
            open=int(open_),
            claimed=int(claimed),
            oldest_received_at=utc(oldest) if oldest is not None else None,
            past_due=int(past_due or 0),
        )
        for queue, open_, claimed, oldest, past_due in rows
    ]
