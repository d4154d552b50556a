"""Database sessions whose driver errors arrive as the ledger's errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from models.errors import LedgerError, LedgerUnavailable


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction, committed on success; errors translated as ledger/store.py does."""
    try:
        with sessions.begin() as session:
            yield session
    except OperationalError as exc:
        raise LedgerUnavailable(f"database unreachable: {type(exc.orig).__name__}") from exc
    except DBAPIError as exc:
        raise LedgerError(f"database refused the operation: {type(exc.orig).__name__}") from exc
