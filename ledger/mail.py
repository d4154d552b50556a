"""The ledger's record of mails taken in: one row per Message-ID, and each receipt's progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ledger.schema import DecisionRow, InquiryRow, MailMessageRow
from ledger.transactions import transaction
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.wire import decode

ReceiptState = Literal["pending", "sent", "suppressed", "failed"]


@dataclass(frozen=True)
class DueReceipt:
    """A mailed inquiry that is decided and still owes its sender a receipt."""

    message_key: str
    reply_to: str | None
    inquiry: Inquiry
    decision: RoutingDecision


class MailLedger:
    """mail_messages on the ledger's database; every write is idempotent by message key."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with transaction(self._sessions) as session:
            yield session

    def record(
        self,
        *,
        message_key: str,
        mailbox: str,
        uid: int | None,
        inquiry_id: str,
        reply_to: str | None,
        receipt_state: Literal["pending", "suppressed"],
    ) -> bool:
        """Note a mail taken in; False when its Message-ID was seen before (nothing changes)."""
        row = {
            "message_key": message_key,
            "mailbox": mailbox,
            "uid": uid,
            "inquiry_id": inquiry_id,
            # No receipt will go out, so the address is not kept at all.
            "reply_to": reply_to if receipt_state == "pending" else None,
            "receipt_state": receipt_state,
            "created_at": datetime.now(UTC),
        }
        with self._session() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = (
                insert(MailMessageRow)
                .values([row])
                .on_conflict_do_nothing()
                .returning(MailMessageRow.message_key)
            )
            return len(session.execute(stmt).all()) > 0

    def due_receipts(self, *, limit: int = 100) -> list[DueReceipt]:
        """Pending receipts whose inquiry is decided, oldest mail first."""
        with self._session() as session:
            rows = session.execute(
                select(MailMessageRow.message_key, MailMessageRow.reply_to, InquiryRow.envelope)
                .add_columns(DecisionRow.decision)
                .join(InquiryRow, InquiryRow.id == MailMessageRow.inquiry_id)
                .join(DecisionRow, DecisionRow.inquiry_id == MailMessageRow.inquiry_id)
                .where(MailMessageRow.receipt_state == "pending")
                .order_by(MailMessageRow.created_at, MailMessageRow.message_key)
                .limit(limit)
            ).all()
        return [
            DueReceipt(
                message_key=key,
                reply_to=reply_to,
                inquiry=decode("inquiry", envelope),
                decision=RoutingDecision.model_validate(decision),
            )
            for key, reply_to, envelope, decision in rows
        ]

    def finish_receipt(
        self, *, message_key: str, state: Literal["sent", "suppressed", "failed"]
    ) -> None:
        """Settle a receipt for good and forget the address it went (or would have gone) to."""
        with self._session() as session:
            session.execute(
                update(MailMessageRow)
                .where(MailMessageRow.message_key == message_key)
                .values(
                    receipt_state=state,
                    reply_to=None,
                    receipt_sent_at=datetime.now(UTC) if state == "sent" else None,
                )
            )

    def receipt_counts(self) -> dict[str, int]:
        """Mails taken in, by receipt state."""
        with self._session() as session:
            rows = session.execute(
                select(MailMessageRow.receipt_state, func.count()).group_by(
                    MailMessageRow.receipt_state
                )
            ).all()
        return {state: count for state, count in rows}
