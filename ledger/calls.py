"""Phone calls by call id: the first report of each event wins, so retries change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.schema import CallRow, DecisionRow
from ledger.times import utc
from ledger.transactions import insert_ignore, transaction


@dataclass(frozen=True)
class Call:
    """What is known of a call."""

    client_id: str
    call_id: str
    inquiry_id: str | None
    started_at: datetime | None
    transcript_at: datetime | None
    hung_up_at: datetime | None
    hung_up_before_decision: bool | None
    abandoned: bool


class Calls:
    """The ledger's calls table."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def started(self, *, client_id: str, call_id: str, at: datetime) -> Call:
        """Note that a call began."""
        with transaction(self._sessions) as session:
            return self._first(session, client_id, call_id, started_at=at)

    def transcribed(self, *, client_id: str, call_id: str, inquiry_id: str, at: datetime) -> Call:
        """Note the inquiry the call's transcript became."""
        with transaction(self._sessions) as session:
            return self._first(session, client_id, call_id, inquiry_id=inquiry_id, transcript_at=at)

    def hung_up(
        self,
        *,
        client_id: str,
        call_id: str,
        at: datetime,
        abandoned_inquiry_id: str | None = None,
    ) -> Call:
        """Note the hang-up, whether the inquiry was decided by then, or the abandoned call's."""
        with transaction(self._sessions) as session:
            call = self._first(session, client_id, call_id)
            if call.hung_up_at is not None:
                return call
            values: dict[str, object] = {"hung_up_at": at}
            inquiry_id = call.inquiry_id
            if inquiry_id is None and abandoned_inquiry_id is not None:
                inquiry_id = abandoned_inquiry_id
                values.update(inquiry_id=inquiry_id, abandoned=True)
            if inquiry_id is not None:
                decided = session.scalar(
                    select(DecisionRow.inquiry_id).where(DecisionRow.inquiry_id == inquiry_id)
                )
                values["hung_up_before_decision"] = decided is None
            # One conditional update: a retried hang-up finds hung_up_at set and changes nothing.
            session.execute(
                update(CallRow)
                .where(
                    CallRow.client_id == client_id,
                    CallRow.call_id == call_id,
                    CallRow.hung_up_at.is_(None),
                )
                .values(values)
                .execution_options(synchronize_session=False)
            )
            return self._first(session, client_id, call_id)

    def get(self, *, client_id: str, call_id: str) -> Call | None:
        """The call, or None if nothing was reported of it."""
        with transaction(self._sessions) as session:
            row = session.get(CallRow, (client_id, call_id))
            return _call(row) if row is not None else None

    def _first(self, session: Session, client_id: str, call_id: str, **values: object) -> Call:
        """Create the row if needed and set each value not set yet; return the row."""
        insert_ignore(session, CallRow, [{"client_id": client_id, "call_id": call_id}])
        for column, value in values.items():
            field = getattr(CallRow, column)
            session.execute(
                update(CallRow)
                .where(CallRow.client_id == client_id, CallRow.call_id == call_id, field.is_(None))
                .values({column: value})
                .execution_options(synchronize_session=False)
            )
        session.expire_all()
        row = session.get(CallRow, (client_id, call_id))
        assert row is not None
        return _call(row)


def _call(row: CallRow) -> Call:
    return Call(
        row.client_id,
        row.call_id,
        row.inquiry_id,
        utc(row.started_at) if row.started_at else None,
        utc(row.transcript_at) if row.transcript_at else None,
        utc(row.hung_up_at) if row.hung_up_at else None,
        row.hung_up_before_decision,
        bool(row.abandoned),
    )
