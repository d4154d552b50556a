"""Idempotency-Key bindings: a bot client's key names one inquiry and one request body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete
from sqlalchemy.orm import sessionmaker

from ledger.schema import IdempotencyKeyRow
from ledger.transactions import insert_ignore, transaction


@dataclass(frozen=True)
class Binding:
    """The inquiry a key stands for, the hash of the body that bound it, and whether just now."""

    inquiry_id: str
    request_sha256: str
    created: bool


class IdempotencyKeys:
    """Binds (client, key) to an inquiry once; later requests read the binding that stands."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def bind(self, *, client_id: str, key: str, inquiry_id: str, request_sha256: str) -> Binding:
        """Bind the key unless it is bound already; return the standing binding either way."""
        row = {
            "client_id": client_id,
            "key": key,
            "inquiry_id": inquiry_id,
            "request_sha256": request_sha256,
            "created_at": datetime.now(UTC),
        }
        with transaction(self._sessions) as session:
            # Two concurrent first requests both try; the primary key lets exactly one win.
            created = insert_ignore(session, IdempotencyKeyRow, [row]) > 0
            standing = session.get(IdempotencyKeyRow, (client_id, key))
            assert standing is not None
            return Binding(standing.inquiry_id, standing.request_sha256, created)

    def forget_before(self, cutoff: datetime) -> int:
        """Drop the bindings made before `cutoff`; return how many went."""
        with transaction(self._sessions) as session:
            result = session.execute(
                delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < cutoff)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
