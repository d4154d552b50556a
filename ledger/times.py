"""The ledger's one rule for times: everything is UTC, and SQLite's naive values are UTC too."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything in the ledger is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
