"""Working days: weekends and Danish public holidays do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.catalogue import Cutoff, WeeklyHours
from router.deadlines import (
    add_working_days,
    cutoff_for,
    due_in_working_hours,
    is_working_day,
    next_open,
)

TZ = "Europe/Copenhagen"
CPH = ZoneInfo(TZ)
# The shipped queue hours: Mon-Thu 08:00-15:30, Fri 08:00-13:00.
HOURS = WeeklyHours(
    mon=["08:00-15:30"],
    tue=["08:00-15:30"],
    wed=["08:00-15:30"],
    thu=["08:00-15:30"],
    fri=["08:00-13:00"],
)
# Kørselskontoret: a one-day change must arrive by 12:00 the working day before.
NOON_DAY_BEFORE = Cutoff(at=time(12, 0), working_days_before=1, source="S54")


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in Aarhus."""
    return datetime(year, month, day, hour, minute, tzinfo=CPH)


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


def test_one_working_day_from_friday_afternoon_is_monday_close_of_business() -> None:
    due = due_in_working_hours(local(2026, 11, 20, 12, 30), working_days=1, hours=HOURS, tz=TZ)
    assert due == local(2026, 11, 23, 15, 30)


def test_after_friday_closing_the_clock_starts_on_monday() -> None:
    due = due_in_working_hours(local(2026, 11, 20, 14, 0), working_days=1, hours=HOURS, tz=TZ)
    assert due == local(2026, 11, 24, 15, 30)


def test_due_time_skips_christmas() -> None:
    # 24 December is not a public holiday in the `holidays` library; 25 and 26 are.
    due = due_in_working_hours(local(2026, 12, 24, 10, 0), working_days=1, hours=HOURS, tz=TZ)
    assert due == local(2026, 12, 28, 15, 30)


def test_due_time_skips_easter_from_maundy_thursday_to_easter_monday() -> None:
    # 2027: Maundy Thursday 25 March, Good Friday 26 March, Easter Monday 29 March.
    due = due_in_working_hours(local(2027, 3, 24, 10, 0), working_days=1, hours=HOURS, tz=TZ)
    assert due == local(2027, 3, 30, 15, 30)


def test_zero_days_inside_hours_is_close_of_business_today() -> None:
    due = due_in_working_hours(local(2026, 11, 19, 9, 0), working_days=0, hours=HOURS, tz=TZ)
    assert due == local(2026, 11, 19, 15, 30)


def test_zero_days_after_closing_time_is_the_next_open_days_close() -> None:
    due = due_in_working_hours(local(2026, 11, 20, 14, 0), working_days=0, hours=HOURS, tz=TZ)
    assert due == local(2026, 11, 23, 15, 30)


def test_due_time_across_the_end_of_summer_time_keeps_the_wall_clock_close() -> None:
    # Summer time ends on Sunday 25 October 2026: Monday closes at 15:30 CET, 14:30 UTC.
    due = due_in_working_hours(local(2026, 10, 23, 10, 0), working_days=1, hours=HOURS, tz=TZ)
    assert due == datetime(2026, 10, 26, 14, 30, tzinfo=UTC)


def test_next_open_on_saturday_is_monday_morning() -> None:
    assert next_open(local(2026, 11, 21, 10, 0), hours=HOURS, tz=TZ) == local(2026, 11, 23, 8, 0)


def test_next_open_inside_hours_is_the_same_moment() -> None:
    at = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)  # 10:00 in Aarhus
    assert next_open(at, hours=HOURS, tz=TZ) is at


def test_next_open_at_closing_time_is_the_next_mornings_opening() -> None:
    assert next_open(local(2026, 11, 19, 15, 30), hours=HOURS, tz=TZ) == local(2026, 11, 20, 8, 0)


def test_next_open_before_opening_on_the_day_after_easter_monday() -> None:
    assert next_open(local(2027, 3, 26, 9, 0), hours=HOURS, tz=TZ) == local(2027, 3, 30, 8, 0)


def test_a_queue_without_hours_never_opens() -> None:
    with pytest.raises(ValueError, match="no opening hours"):
        next_open(local(2026, 11, 20, 9, 0), hours=WeeklyHours(), tz=TZ)


def test_cutoff_for_a_monday_trip_is_friday_noon() -> None:
    cutoff = cutoff_for(date(2026, 11, 23), cutoff=NOON_DAY_BEFORE, tz=TZ)
    assert cutoff == local(2026, 11, 20, 12, 0)


def test_cutoff_for_the_day_after_easter_is_the_wednesday_before_maundy_thursday() -> None:
    # Maundy Thursday (25 March 2027) is a public holiday in Denmark, as are Good Friday and
    # Easter Monday, so the last working day before Tuesday 30 March is Wednesday 24 March.
    assert not is_working_day(date(2027, 3, 25))
    cutoff = cutoff_for(date(2027, 3, 30), cutoff=NOON_DAY_BEFORE, tz=TZ)
    assert cutoff == local(2027, 3, 24, 12, 0)


def test_a_change_at_1159_is_in_time_and_at_1201_too_late() -> None:
    cutoff = cutoff_for(date(2026, 11, 24), cutoff=NOON_DAY_BEFORE, tz=TZ)
    monday_noon = local(2026, 11, 23, 12, 0)
    assert monday_noon - timedelta(minutes=1) <= cutoff
    assert monday_noon + timedelta(minutes=1) > cutoff
