"""One transaction per operation, with the database's errors translated at the edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ledger.schema import Base
from models.errors import LedgerError, LedgerUnavailable


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed on success; LedgerUnavailable or LedgerError on a database error."""
    try:
        with sessions.begin() as session:
            yield session
    except OperationalError as exc:
        raise LedgerUnavailable(f"database unreachable: {type(exc.orig).__name__}") from exc
    except DBAPIError as exc:
        raise LedgerError(f"database refused the operation: {type(exc.orig).__name__}") from exc


def insert_ignore(session: Session, table: type[Base], rows: list[dict[str, Any]]) -> int:
    """Insert rows whose primary key is new; return how many were inserted."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(inspect(table).primary_key))
    # RETURNING counts what was inserted; rowcount is -1 for multi-row inserts on psycopg.
    stmt = insert(table).values(rows).on_conflict_do_nothing().returning(key)
    return len(session.execute(stmt).all())
