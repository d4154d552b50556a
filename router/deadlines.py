"""Due times in Danish working days: weekends and public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from config.catalogue import Cutoff, WeeklyHours

# How far next_open looks ahead before it gives up on a queue that never opens.
_HORIZON_DAYS = 366


@lru_cache(maxsize=8)
def _danish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DK", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Danish public holiday."""
    return day.weekday() < 5 and day not in _danish_holidays(day.year)


def add_working_days(start: datetime, days: int, *, tz: str) -> datetime:
    """The same local time of day, `days` working days later; from a non-working day, count on."""
    local = start.astimezone(ZoneInfo(tz))
    day = local.date()
    remaining = days
    while remaining > 0 or not is_working_day(day):
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, local.timetz()).replace(tzinfo=ZoneInfo(tz))


def _open_ranges(day: date, hours: WeeklyHours, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The day's opening ranges as local datetimes, sorted; none on a non-working day."""
    if not is_working_day(day):
        return []
    return sorted(
        (datetime.combine(day, start, tzinfo=zone), datetime.combine(day, end, tzinfo=zone))
        for start, end in hours.ranges(day.weekday())
    )


def next_open(at: datetime, *, hours: WeeklyHours, tz: str) -> datetime:
    """`at` itself if the queue is open then, else the start of its next opening range."""
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    day = local.date()
    for _ in range(_HORIZON_DAYS):
        for start, end in _open_ranges(day, hours, zone):
            if local < end:  # a range is open from its start up to, not including, its end
                return at if start <= local else start
        day += timedelta(days=1)
    raise ValueError(f"the queue has no opening hours on a working day within a year of {at}")


def due_in_working_hours(
    start: datetime, *, working_days: int, hours: WeeklyHours, tz: str
) -> datetime:
    """Close of business on the `working_days`-th open day after the queue next opens."""
    # The clock starts when the queue next opens (next_open), so an inquiry that arrives after
    # closing time or on a weekend counts from the next open day. The deadline is the END of
    # the last opening range on the day `working_days` open days later: "5 working days" means
    # by close of business on the 5th working day, and 0 means close of business on the day
    # the queue (next) opens. An open day is a working day on which the queue has hours.
    zone = ZoneInfo(tz)
    day = next_open(start, hours=hours, tz=tz).astimezone(zone).date()
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if _open_ranges(day, hours, zone):
            remaining -= 1
    return _open_ranges(day, hours, zone)[-1][1]


def cutoff_for(event_day: date, *, cutoff: Cutoff, tz: str) -> datetime:
    """The latest arrival time for a change concerning `event_day` under `cutoff`."""
    # Count back `working_days_before` working days from the event; with 0, or an event on a
    # non-working day, the cut-off falls on the last working day up to the event day.
    day = event_day
    for _ in range(cutoff.working_days_before):
        day -= timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, cutoff.at, tzinfo=ZoneInfo(tz))
