"""The ledger's operations; each is idempotent by inquiry id, so redelivery is harmless."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.queue_event_rows import event_row
from ledger.schema import Base, DecisionRow, InquiryRow, QueueEventRow, QueueItemRow
from ledger.times import utc
from ledger.transactions import insert_ignore, inserted_keys, transaction
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.queue_events import ItemEnqueued
from models.wire import decode, encode

Status = Literal["accepted", "published", "decided"]


@dataclass(frozen=True)
class Acceptance:
    """Whether an inquiry was new, and its status now."""

    inquiry_id: str
    created: bool
    status: Status


@dataclass(frozen=True)
class InquiryStatus:
    """An inquiry's progress and, once made, its decision."""

    inquiry_id: str
    status: Status
    channel: str
    accepted_at: datetime
    decision: RoutingDecision | None


class Ledger:
    """Durable record of inquiries, decisions and queue items, on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with transaction(self._sessions) as session:
            yield session

    def ping(self) -> None:
        """Raise LedgerUnavailable unless the database answers."""
        with self._session() as session:
            session.execute(select(1))

    def accept(self, inquiry: Inquiry) -> Acceptance:
        """Make an inquiry durable; a second call with the same id changes nothing."""
        now = datetime.now(UTC)
        with self._session() as session:
            created = self._insert_ignore(session, InquiryRow, [_inquiry_row(inquiry, now)]) > 0
            row = session.get(InquiryRow, inquiry.id)
            assert row is not None
            return Acceptance(inquiry.id, created, _status(row))

    def accept_many(self, inquiries: Sequence[Inquiry]) -> list[Acceptance]:
        """`accept` for many inquiries in one transaction; a repeated id is created once."""
        if not inquiries:
            return []
        now = datetime.now(UTC)
        rows = list({i.id: _inquiry_row(i, now) for i in reversed(inquiries)}.values())
        with self._session() as session:
            created = self._inserted(session, InquiryRow, rows[::-1])
            found = session.scalars(
                select(InquiryRow).where(InquiryRow.id.in_([i.id for i in inquiries]))
            )
            status = {row.id: _status(row) for row in found}
        out = []
        for inquiry in inquiries:
            out.append(Acceptance(inquiry.id, inquiry.id in created, status[inquiry.id]))
            created.discard(inquiry.id)  # the same id twice in a batch: the first made it
        return out

    def mark_published(self, *, inquiry_ids: Sequence[str]) -> None:
        """Note that inquiries were handed to Kafka (acks=all)."""
        if not inquiry_ids:
            return
        with self._session() as session:
            session.execute(
                update(InquiryRow)
                .where(InquiryRow.id.in_(inquiry_ids))
                .values(published_at=datetime.now(UTC), publish_count=InquiryRow.publish_count + 1)
            )

    def record_decisions(
        self,
        *,
        decided: Sequence[tuple[Inquiry, RoutingDecision]],
        redacted: Mapping[str, str] | None = None,
        enqueued: Sequence[ItemEnqueued] = (),
    ) -> list[RoutingDecision]:
        """Record decisions and queue items once per inquiry; return the standing ones.

        `redacted` (texts with personal data replaced, by inquiry id) is stored in the same
        transaction, so a queued item is never seen without it and a batch costs one commit.
        `enqueued` are the events announcing the queue items: those of items made here are
        recorded as applied, as the projector would, which then finds nothing left to write.
        """
        decided = list({i.id: (i, d) for i, d in reversed(decided)}.values())[::-1]
        if not decided:
            return []
        now = datetime.now(UTC)
        with self._session() as session:
            # An inquiry produced straight onto the topic by another connector is recorded too.
            self._insert_ignore(session, InquiryRow, [_inquiry_row(i, now) for i, _ in decided])
            new = self._inserted(session, DecisionRow, [_decision_row(d) for _, d in decided])
            # Only a new decision makes a queue item; a standing one made its own before.
            queued = [
                _queue_row(d, now)
                for _, d in decided
                if d.action == "queue" and d.inquiry_id in new
            ]
            self._insert_ignore(session, QueueItemRow, queued)
            events = [event_row(e, applied=True) for e in enqueued if e.inquiry_id in new]
            self._insert_ignore(session, QueueEventRow, events)
            ids = [i.id for i, _ in decided]
            session.execute(
                update(InquiryRow)
                .where(InquiryRow.id.in_(ids), InquiryRow.decided_at.is_(None))
                .values(decided_at=now)
            )
            self._store_redacted(session, redacted or {})
            # A redelivered inquiry keeps the decision made first; only those are read back.
            earlier = [i for i in ids if i not in new]
            standing: dict[str, RoutingDecision] = {}
            if earlier:
                rows = session.scalars(
                    select(DecisionRow).where(DecisionRow.inquiry_id.in_(earlier))
                )
                standing = {r.inquiry_id: RoutingDecision.model_validate(r.decision) for r in rows}
        return [standing.get(i, d) for i, (_, d) in zip(ids, decided, strict=True)]

    def undecided(self, *, untouched_since: datetime, limit: int = 500) -> list[Inquiry]:
        """Undecided inquiries not accepted or published since a time, oldest first."""
        last_touched = func.coalesce(InquiryRow.published_at, InquiryRow.accepted_at)
        with self._session() as session:
            rows = session.scalars(
                select(InquiryRow)
                .where(InquiryRow.decided_at.is_(None), last_touched < untouched_since)
                .order_by(InquiryRow.accepted_at)
                .limit(limit)
            ).all()
            return [decode("inquiry", r.envelope) for r in rows]

    def recorded_inquiries(
        self, *, limit: int | None = None, since: datetime | None = None
    ) -> list[Inquiry]:
        """The newest `limit` inquiries accepted at or after `since`, newest last."""
        query = select(InquiryRow.envelope)
        if since is not None:
            query = query.where(InquiryRow.accepted_at >= utc(since))
        # Newest first so LIMIT keeps the most recent; the id settles ties in the same instant.
        query = query.order_by(InquiryRow.accepted_at.desc(), InquiryRow.id.desc()).limit(limit)
        with self._session() as session:
            envelopes = session.scalars(query).all()
        return [decode("inquiry", envelope) for envelope in reversed(envelopes)]

    def status(self, *, inquiry_id: str) -> InquiryStatus | None:
        """Return an inquiry's status and decision, or None if it was never accepted."""
        with self._session() as session:
            row = session.get(InquiryRow, inquiry_id)
            if row is None:
                return None
            decision_row = session.get(DecisionRow, inquiry_id)
            decision = (
                RoutingDecision.model_validate(decision_row.decision) if decision_row else None
            )
            return InquiryStatus(
                inquiry_id, _status(row), row.channel, utc(row.accepted_at), decision
            )

    def store_redacted(self, *, redacted: Mapping[str, str]) -> None:
        """Keep inquiries' texts with personal data replaced (by id); the first one stands."""
        if not redacted:
            return
        with self._session() as session:
            self._store_redacted(session, redacted)

    def counts(self) -> dict[str, int]:
        """Totals of inquiries, decisions and queue items, for health and tests."""
        with self._session() as session:
            return {
                name: session.scalar(select(func.count()).select_from(table)) or 0
                for name, table in (
                    ("inquiries", InquiryRow),
                    ("decisions", DecisionRow),
                    ("queue_items", QueueItemRow),
                )
            }

    def _insert_ignore(
        self, session: Session, table: type[Base], rows: list[dict[str, Any]]
    ) -> int:
        return insert_ignore(session, table, rows)

    def _inserted(
        self, session: Session, table: type[Base], rows: list[dict[str, Any]]
    ) -> set[str]:
        """Insert rows whose primary key is new; return those keys."""
        return set(inserted_keys(session, table, rows))

    def _store_redacted(self, session: Session, redacted: Mapping[str, str]) -> None:
        if not redacted:
            return
        inquiries = Base.metadata.tables[InquiryRow.__tablename__]
        stmt = (
            update(inquiries)
            .where(inquiries.c.id == bindparam("b_id"), inquiries.c.redacted_text.is_(None))
            .values(redacted_text=bindparam("b_text"))
        )
        session.connection().execute(
            stmt, [{"b_id": key, "b_text": text} for key, text in redacted.items()]
        )


def _status(row: InquiryRow) -> Status:
    if row.decided_at is not None:
        return "decided"
    return "published" if row.published_at is not None else "accepted"


def _inquiry_row(inquiry: Inquiry, now: datetime) -> dict[str, Any]:
    return {
        "id": inquiry.id,
        "channel": inquiry.channel,
        "sender": inquiry.sender,
        "received_at": inquiry.received_at.astimezone(UTC),
        "accepted_at": now,
        "envelope": encode("inquiry", inquiry).decode("utf-8"),
        "publish_count": 0,
        "citizen_key": inquiry.citizen_key,
    }


def _decision_row(decision: RoutingDecision) -> dict[str, Any]:
    c = decision.classification
    return {
        "inquiry_id": decision.inquiry_id,
        "action": decision.action,
        "queue": decision.queue,
        "department": c.department,
        "service_area": c.service_area,
        "type": c.type,
        "complexity": c.complexity,
        "urgent": c.urgent,
        "priority": decision.priority,
        "due_at": decision.due_at.astimezone(UTC) if decision.due_at else None,
        "model_version": c.model_version,
        "decided_at": decision.decided_at.astimezone(UTC),
        "decision": decision.model_dump(mode="json"),
    }


def _queue_row(decision: RoutingDecision, now: datetime) -> dict[str, Any]:
    assert decision.due_at is not None  # the model guarantees it for queue decisions
    return {
        "inquiry_id": decision.inquiry_id,
        "queue": decision.queue,
        "priority": decision.priority,
        "due_at": decision.due_at.astimezone(UTC),
        "state": "open",
        "created_at": now,
    }
