"""Tables of the ledger; Alembic migrations in ledger/migrations follow these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the ledger's tables."""


class InquiryRow(Base):
    """An inquiry made durable at the entrance, before it was acknowledged."""

    __tablename__ = "inquiries"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The wire envelope, so an undecided inquiry can be published again byte for byte.
    envelope: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publish_count: Mapped[int] = mapped_column(Integer, default=0)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Keyed hash of the citizen's CPR number, phone number or mail address; never the value.
    citizen_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # The text with personal data replaced, written by the worker; what operators see by default.
    redacted_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_inquiries_undecided", "decided_at", "accepted_at"),)


class DecisionRow(Base):
    """The one routing decision of an inquiry; the primary key makes it exactly one."""

    __tablename__ = "decisions"

    inquiry_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True
    )
    action: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(8))
    service_area: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    complexity: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    model_version: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[dict[str, object]] = mapped_column(JSON)

    # Migration 0004: the board's misrouted figure reads the last seven days' decisions.
    __table_args__ = (Index("ix_decisions_decided_at", "decided_at"),)


class QueueItemRow(Base):
    """An inquiry waiting in a department queue; at most one per inquiry."""

    __tablename__ = "queue_items"

    inquiry_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(64), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Materialised from queue events; replaying the events rebuilds these columns.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(200))
    transfers: Mapped[int] = mapped_column(Integer, default=0)

    # Migration 0004: the board reads waiting items (state) of the viewer's queues.
    __table_args__ = (Index("ix_queue_items_state_queue", "state", "queue"),)


class QueueEventRow(Base):
    """Every queue event once, by its id: the audit trail of who did what, and when."""

    __tablename__ = "queue_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    event: Mapped[dict[str, object]] = mapped_column(JSON)
    # False when the event did not fit the item's state then (e.g. a claim of a resolved item).
    applied: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class OperatorRow(Base):
    """An account for the dashboard; the password only as a hash."""

    __tablename__ = "operators"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdempotencyKeyRow(Base):
    """A bot client's Idempotency-Key, bound to the inquiry its first request made."""

    __tablename__ = "idempotency_keys"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(String(128))
    request_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginThrottleRow(Base):
    """Failed sign-ins in a row for one user name, kept as a keyed hash of the name."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CallbackRow(Base):
    """An outbound decision callback to a bot client, retried until delivered or parked."""

    __tablename__ = "callbacks"

    inquiry_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MailMessageRow(Base):
    """A mail taken from a shared mailbox; the Message-ID's hash keeps it to one inquiry."""

    __tablename__ = "mail_messages"

    message_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(128))
    uid: Mapped[int | None] = mapped_column(Integer)
    inquiry_id: Mapped[str] = mapped_column(String(128), index=True)
    # The address a receipt goes to; cleared once the receipt is sent or suppressed.
    reply_to: Mapped[str | None] = mapped_column(Text)
    receipt_state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    receipt_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the latest attempt began: a receipt left "sending" is in doubt from then on.
    receipt_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CallRow(Base):
    """A phone call reported by the telephony platform or voicebot, by its call id.

    The caller's number is never kept: it only feeds the citizen key of the call's inquiry.
    The call id is the handle for calling back through the telephony platform.
    """

    __tablename__ = "calls"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The transcript's inquiry, or the abandoned call's when the caller hung up before one.
    inquiry_id: Mapped[str | None] = mapped_column(String(128), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transcript_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hung_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whether the caller hung up before the routing decision (None while still on the line).
    hung_up_before_decision: Mapped[bool | None] = mapped_column(Boolean)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
