"""Decision callbacks owed to bot clients: registered at acceptance, due once decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from ledger.schema import CallbackRow, DecisionRow
from ledger.times import utc
from ledger.transactions import insert_ignore, transaction
from models.decision import RoutingDecision

CallbackState = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True)
class DueCallback:
    """A callback claimed for one attempt: where to, how many tries so far, and what to say."""

    inquiry_id: str
    client_id: str
    url: str
    attempt: int
    decision: RoutingDecision


@dataclass(frozen=True)
class CallbackStatus:
    """Where a callback stands."""

    inquiry_id: str
    client_id: str
    state: CallbackState
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


class Callbacks:
    """The ledger's callbacks table; every change is a conditional update, safe to race."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def register(self, *, inquiry_id: str, client_id: str, url: str) -> bool:
        """Owe a callback for an accepted inquiry; False if one is owed already."""
        row = {
            "inquiry_id": inquiry_id,
            "client_id": client_id,
            "url": url,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": datetime.now(UTC),
        }
        with transaction(self._sessions) as session:
            return insert_ignore(session, CallbackRow, [row]) > 0

    def claim_due(self, *, now: datetime, lease_s: float, limit: int = 50) -> list[DueCallback]:
        """Pending callbacks of decided inquiries whose time has come, each claimed for one try."""
        # Claiming counts the attempt and moves the next try `lease_s` ahead, so a second sender
        # (another HTTP process) skips it, and a sender that dies mid-try leaves it for later.
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(CallbackRow, DecisionRow.decision)
                .join(DecisionRow, DecisionRow.inquiry_id == CallbackRow.inquiry_id)
                .where(CallbackRow.state == "pending", CallbackRow.next_attempt_at <= now)
                .order_by(CallbackRow.next_attempt_at)
                .limit(limit)
            ).all()
            claimed = []
            for row, decision in rows:
                won = session.execute(
                    update(CallbackRow)
                    .where(
                        CallbackRow.inquiry_id == row.inquiry_id,
                        CallbackRow.state == "pending",
                        CallbackRow.attempts == row.attempts,
                    )
                    .values(
                        attempts=row.attempts + 1,
                        next_attempt_at=now + timedelta(seconds=lease_s),
                    )
                    .execution_options(synchronize_session=False)
                )
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(
                        DueCallback(
                            row.inquiry_id,
                            row.client_id,
                            row.url,
                            row.attempts + 1,
                            RoutingDecision.model_validate(decision),
                        )
                    )
            return claimed

    def delivered(self, *, inquiry_id: str, at: datetime) -> None:
        """The client answered 2xx: nothing more is owed."""
        self._set(inquiry_id, state="delivered", delivered_at=at, last_error=None)

    def retry_at(self, *, inquiry_id: str, at: datetime, error: str) -> None:
        """The try failed; try again at `at`."""
        self._set(inquiry_id, next_attempt_at=at, last_error=error[:2_000])

    def failed(self, *, inquiry_id: str, error: str) -> None:
        """The last try failed: the callback is parked and not tried again."""
        self._set(inquiry_id, state="failed", last_error=error[:2_000])

    def status(self, *, inquiry_id: str) -> CallbackStatus | None:
        """Where the callback of an inquiry stands, or None if none is owed."""
        with transaction(self._sessions) as session:
            row = session.get(CallbackRow, inquiry_id)
            if row is None:
                return None
            return CallbackStatus(
                row.inquiry_id,
                row.client_id,
                row.state,  # type: ignore[arg-type]
                row.attempts,
                row.last_error,
                utc(row.delivered_at) if row.delivered_at else None,
            )

    def _set(self, inquiry_id: str, **values: object) -> None:
        with transaction(self._sessions) as session:
            session.execute(
                update(CallbackRow)
                .where(CallbackRow.inquiry_id == inquiry_id, CallbackRow.state == "pending")
                .values(**values)
            )
