"""Failed sign-ins lock a user name for a while; names are kept only as keyed hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ledger.schema import LoginThrottleRow
from ledger.store import Ledger
from queues.login_throttle import LoginThrottle

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def throttle(ledger: Ledger) -> LoginThrottle:
    """Three failures lock a name for ten minutes."""
    return LoginThrottle(ledger.engine, secret=b"test", max_failures=3, lockout_s=600)


def test_the_last_allowed_failure_locks_the_name_for_the_lockout(throttle: LoginThrottle) -> None:
    assert throttle.failed(username="ada", now=NOW) is None
    assert throttle.failed(username="ada", now=NOW) is None
    assert throttle.locked_until(username="ada", now=NOW) is None
    assert throttle.failed(username="ada", now=NOW) == NOW + timedelta(minutes=10)
    assert throttle.locked_until(username="ada", now=NOW) == NOW + timedelta(minutes=10)
    assert throttle.locked_until(username="grace", now=NOW) is None


def test_the_same_name_in_other_case_or_spacing_counts_as_one(throttle: LoginThrottle) -> None:
    for name in ("Ada", " ada", "ADA "):
        throttle.failed(username=name, now=NOW)
    assert throttle.locked_until(username="ada", now=NOW) is not None


def test_a_success_clears_the_failures(throttle: LoginThrottle) -> None:
    throttle.failed(username="ada", now=NOW)
    throttle.failed(username="ada", now=NOW)
    throttle.succeeded(username="ada")
    assert throttle.failed(username="ada", now=NOW) is None


def test_a_served_lock_starts_a_new_count(throttle: LoginThrottle) -> None:
    for _ in range(3):
        throttle.failed(username="ada", now=NOW)
    later = NOW + timedelta(minutes=11)
    assert throttle.locked_until(username="ada", now=later) is None
    assert throttle.failed(username="ada", now=later) is None


def test_what_was_typed_as_a_name_is_never_stored_in_clear(
    throttle: LoginThrottle, ledger: Ledger
) -> None:
    throttle.failed(username="010190-1234", now=NOW)
    with ledger.engine.connect() as connection:
        keys = connection.scalars(select(LoginThrottleRow.key)).all()
    assert len(keys) == 1
    assert "010190" not in keys[0] and len(keys[0]) == 64
