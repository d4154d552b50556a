"""The ledger's record of mails taken in: one row per Message-ID, and each receipt's progress."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ledger.schema import DecisionRow, InquiryRow, MailMessageRow
from ledger.transactions import transaction
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.wire import decode

ReceiptState = Literal["pending", "sending", "sent", "suppressed", "failed"]
# A receipt in these states went out or may have (a failed one may have bounced already):
# only such a receipt can be answered by a machine.
_SENT_STATES = ("sending", "sent", "failed")


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

    def due_receipts(self, *, in_doubt_before: datetime, limit: int = 100) -> list[DueReceipt]:
        """Receipts of decided inquiries not yet sent, or in doubt since before a time."""
        with self._session() as session:
            rows = session.execute(
                select(MailMessageRow.message_key, MailMessageRow.reply_to, InquiryRow.envelope)
                .add_columns(DecisionRow.decision)
                .join(InquiryRow, InquiryRow.id == MailMessageRow.inquiry_id)
                .join(DecisionRow, DecisionRow.inquiry_id == MailMessageRow.inquiry_id)
                .where(_claimable(in_doubt_before))
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

    def claim_receipt(self, *, message_key: str, in_doubt_before: datetime) -> bool:
        """Mark a due receipt as being sent now; False when another sender has it or it is done."""
        with self._session() as session:
            result = session.execute(
                update(MailMessageRow)
                .where(MailMessageRow.message_key == message_key, _claimable(in_doubt_before))
                .values(receipt_state="sending", receipt_attempt_at=datetime.now(UTC))
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def release_receipt(self, *, message_key: str) -> None:
        """Hand a claimed receipt back as not sent, known not to have reached its recipient."""
        with self._session() as session:
            session.execute(
                update(MailMessageRow)
                .where(
                    MailMessageRow.message_key == message_key,
                    MailMessageRow.receipt_state == "sending",
                )
                .values(receipt_state="pending")
            )

    def confirm_receipt(self, *, inquiry_id: str) -> bool:
        """Settle as sent a receipt whose copy came back; False when none was waiting for one."""
        with self._session() as session:
            result = session.execute(
                update(MailMessageRow)
                .where(
                    MailMessageRow.inquiry_id == inquiry_id,
                    MailMessageRow.receipt_state == "sending",
                )
                .values(receipt_state="sent", reply_to=None, receipt_sent_at=datetime.now(UTC))
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def sent_receipts(self, inquiry_ids: Collection[str]) -> dict[str, str]:
        """Message keys of these inquiries' mails whose receipt went (or may have gone) out."""
        if not inquiry_ids:
            return {}
        with self._session() as session:
            rows = session.execute(
                select(MailMessageRow.inquiry_id, MailMessageRow.message_key).where(
                    MailMessageRow.inquiry_id.in_(list(inquiry_ids)),
                    MailMessageRow.receipt_state.in_(_SENT_STATES),
                )
            ).all()
        return {inquiry_id: message_key for inquiry_id, message_key in rows}

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


def _claimable(in_doubt_before: datetime) -> ColumnElement[bool]:
    return or_(
        MailMessageRow.receipt_state == "pending",
        and_(
            MailMessageRow.receipt_state == "sending",
            MailMessageRow.receipt_attempt_at < in_doubt_before,
        ),
    )
