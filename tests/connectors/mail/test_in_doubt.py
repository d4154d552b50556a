"""When a receipt left mid-send counts as never taken and is sent again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.settings import SmtpServer
from connectors.mail.receipts import CaughtUp, in_doubt_before

WINDOW = timedelta(seconds=30)


def _smtp(copy_to: str | None) -> SmtpServer:
    return SmtpServer(
        host="127.0.0.1",
        from_address="kvittering@kommune.example",
        copy_to=copy_to,
        confirm_within_s=WINDOW.total_seconds(),
    )


def test_without_a_copy_address_a_receipt_is_in_doubt_once_the_window_has_passed() -> None:
    cutoff = in_doubt_before(_smtp(None), CaughtUp(["post"]))
    assert cutoff == pytest.approx(datetime.now(UTC) - WINDOW, abs=timedelta(seconds=1))


def test_with_a_copy_address_nothing_is_sent_again_before_every_mailbox_was_read_through() -> None:
    caught_up = CaughtUp(["post", "erhverv"])
    assert in_doubt_before(_smtp("post@kommune.example"), caught_up).year == 1
    caught_up.finished("post", began_at=datetime.now(UTC))
    assert in_doubt_before(_smtp("post@kommune.example"), caught_up).year == 1


def test_a_slow_catch_up_holds_the_cutoff_back_to_when_it_began() -> None:
    caught_up = CaughtUp(["post"])
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    caught_up.finished("post", began_at=long_ago)
    assert in_doubt_before(_smtp("post@kommune.example"), caught_up) == long_ago
    caught_up.finished("post", began_at=datetime.now(UTC))
    cutoff = in_doubt_before(_smtp("post@kommune.example"), caught_up)
    assert cutoff == pytest.approx(datetime.now(UTC) - WINDOW, abs=timedelta(seconds=1))
