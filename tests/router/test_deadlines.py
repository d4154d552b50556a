"""Working days: weekends and Danish public holidays do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime

from router.deadlines import add_working_days, is_working_day

TZ = "Europe/Copenhagen"


def test_christmas_and_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 11, 21))  # a Saturday
    assert is_working_day(date(2026, 11, 20))


def test_five_working_days_from_friday_is_next_friday() -> None:
    due = add_working_days(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 5, tz=TZ)
    assert due.date() == date(2026, 11, 27)


def test_deadline_skips_easter() -> None:
    # Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6 April 2026.
    due = add_working_days(datetime(2026, 4, 1, 9, 0, tzinfo=UTC), 1, tz=TZ)
    assert due.date() == date(2026, 4, 7)


def test_zero_days_from_a_saturday_is_monday() -> None:
    due = add_working_days(datetime(2026, 11, 21, 9, 0, tzinfo=UTC), 0, tz=TZ)
    assert due.date() == date(2026, 11, 23)
