"""Failed sign-ins per user name, so passwords cannot be guessed at the speed of the network.

After `max_failures` failed attempts in a row a name is locked for `lockout_s`; a success
clears the count. Names are kept as a keyed hash only: whatever someone typed as a user name
(a CPR number, a mail address) never lands in the ledger in clear text. Unknown names are
counted like known ones, so a lock tells nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.orm import sessionmaker

from ledger.schema import LoginThrottleRow
from ledger.times import utc
from ledger.transactions import insert_ignore, transaction


class LoginThrottle:
    """Counts failed sign-ins per user name in the ledger, shared by every HTTP replica."""

    def __init__(
        self, engine: Engine, *, secret: bytes, max_failures: int = 5, lockout_s: float = 900.0
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._secret = secret
        self.max_failures = max_failures
        self.lockout = timedelta(seconds=lockout_s)

    def _key(self, username: str) -> str:
        normalised = username.strip().lower().encode("utf-8")
        return hmac.new(self._secret, normalised, hashlib.sha256).hexdigest()

    def locked_until(self, *, username: str, now: datetime | None = None) -> datetime | None:
        """When the name may try again, or None if it may now."""
        now = now or datetime.now(UTC)
        with transaction(self._sessions) as session:
            row = session.get(LoginThrottleRow, self._key(username))
            if row is None or row.locked_until is None:
                return None
            until = utc(row.locked_until)
        return until if until > now else None

    def failed(self, *, username: str, now: datetime | None = None) -> datetime | None:
        """Count a failed attempt; return the end of the lock it caused, if it caused one."""
        now = now or datetime.now(UTC)
        key = self._key(username)
        with transaction(self._sessions) as session:
            insert_ignore(session, LoginThrottleRow, [{"key": key, "failures": 0}])
            row = session.get(LoginThrottleRow, key, with_for_update=True)
            assert row is not None
            if row.locked_until is not None and utc(row.locked_until) <= now:
                row.failures, row.locked_until = 0, None  # a lock served starts a new count
            row.failures += 1
            if row.failures >= self.max_failures:
                row.locked_until = now + self.lockout
                return row.locked_until
            return None

    def succeeded(self, *, username: str) -> None:
        """Forget the failures of a name that just signed in."""
        with transaction(self._sessions) as session:
            session.execute(
                delete(LoginThrottleRow).where(LoginThrottleRow.key == self._key(username))
            )
