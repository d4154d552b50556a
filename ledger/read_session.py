"""Read-only sessions for reports over the ledger, with database errors translated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from models.errors import LedgerError, LedgerUnavailable


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session that writes nothing; raises LedgerUnavailable or LedgerError on failure."""
    try:
        with Session(engine) as session:
            yield session
    except OperationalError as exc:
        raise LedgerUnavailable(f"database unreachable: {type(exc.orig).__name__}") from exc
    except DBAPIError as exc:
        raise LedgerError(f"database refused the query: {type(exc.orig).__name__}") from exc
