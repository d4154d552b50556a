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
