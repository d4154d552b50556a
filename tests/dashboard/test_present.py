"""How items read on the board: ages, time to due, breaches, Aarhus time, who may do what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config.catalogue import Catalogue
from dashboard.i18n import Translator
from dashboard.present import duration, item_row, local_time, ordered
from queues.accounts import Operator
from queues.board import QueueItemView


@pytest.fixture
def t(catalogue: Catalogue) -> Translator:
    """Danish, the dashboard's default."""
    return Translator(lang="da", catalogue=catalogue)


@pytest.fixture
def make_view(now: datetime) -> Callable[..., QueueItemView]:
    """Factory for board items: an open rat report in mtm.miljoe, due in two days."""

    def make(**overrides: Any) -> QueueItemView:
        fields: dict[str, Any] = {
            "inquiry_id": "rat-1",
            "queue": "mtm.miljoe",
            "department": "MTM",
            "service_area": "mtm.miljoe",
            "channel": "web",
            "type": "indberetning",
            "complexity": "mellem",
            "urgent": False,
            "priority": 5,
            "state": "open",
            "claimed_by": None,
            "received_at": now - timedelta(minutes=42),
            "created_at": now - timedelta(minutes=42),
            "due_at": now + timedelta(days=2),
            "text": "Der løber rotter rundt i min baggård.",
            "subject": "",
            "transfers": 0,
            "outcome": None,
        }
        fields.update(overrides)
        return QueueItemView(**fields)

    return make


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "under 1 min"), (42 * 60, "42 min"), (125 * 60, "2 t 5 min"), (50 * 3600, "2 d 2 t")],
)
def test_a_duration_reads_coarsely(seconds: float, text: str, t: Translator) -> None:
    assert duration(seconds, t) == text


def test_times_are_shown_in_aarhus_winter_and_summer(t: Translator) -> None:
    assert local_time(datetime(2026, 11, 20, 8, 0, tzinfo=UTC), t) == "fre 20/11 09:00"
    assert local_time(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), t) == "ons 1/7 10:00"


def test_an_item_past_its_due_time_is_breached_and_says_so(
    make_view: Callable[..., QueueItemView],
    make_operator: Callable[..., Operator],
    now: datetime,
    t: Translator,
) -> None:
    late = make_view(due_at=now - timedelta(hours=1, minutes=5))
    row = item_row(late, viewer=make_operator(), now=now, t=t)
    assert row.breached
    assert row.due_text == "Overskredet med 1 t 5 min"
    assert row.age == "42 min"


def test_an_items_age_and_received_time_are_from_when_the_citizen_wrote_not_when_queued(
    make_view: Callable[..., QueueItemView],
    make_operator: Callable[..., Operator],
    now: datetime,
    t: Translator,
) -> None:
    # Mail taken in after an outage: written 3 hours ago, routed and queued only 1 hour ago.
    written = now - timedelta(hours=3)
    late_mail = make_view(received_at=written, created_at=now - timedelta(hours=1))
    row = item_row(late_mail, viewer=make_operator(), now=now, t=t)
    assert row.age == "3 t 0 min"
    assert (row.received_iso, row.received_local) == (written.isoformat(), "fre 20/11 06:00")


def test_a_received_time_a_little_ahead_of_our_clock_reads_as_no_age(
    make_view: Callable[..., QueueItemView],
    make_operator: Callable[..., Operator],
    now: datetime,
    t: Translator,
) -> None:
    # A bot client's clock two minutes fast: not "2 min" as if it had waited.
    ahead = make_view(received_at=now + timedelta(minutes=2), created_at=now)
    assert item_row(ahead, viewer=make_operator(), now=now, t=t).age == "under 1 min"


def test_an_item_in_time_shows_what_is_left(
    make_view: Callable[..., QueueItemView],
    make_operator: Callable[..., Operator],
    now: datetime,
    t: Translator,
) -> None:
    row = item_row(make_view(), viewer=make_operator(), now=now, t=t)
    assert not row.breached
    assert row.due_text == "2 d 0 t tilbage"


def test_only_the_claimer_or_a_supervisor_may_release_or_work_a_claimed_item(
    make_view: Callable[..., QueueItemView],
    make_operator: Callable[..., Operator],
    now: datetime,
    t: Translator,
) -> None:
    claimed = make_view(state="claimed", claimed_by="ada")
    ada = item_row(claimed, viewer=make_operator(username="ada"), now=now, t=t)
    bo = item_row(claimed, viewer=make_operator(username="bo"), now=now, t=t)
    boss = item_row(claimed, viewer=make_operator(role="supervisor", department=None), now=now, t=t)
    assert (ada.state_text, ada.can_release, ada.can_work) == ("Taget af dig", True, True)
    assert (bo.state_text, bo.can_release, bo.can_work) == ("Taget af ada", False, False)
    assert (boss.can_claim, boss.can_release, boss.can_work) == (False, True, True)


def test_urgent_items_come_first_then_priority_then_due_time(
    make_view: Callable[..., QueueItemView],
    make_operator: Callable[..., Operator],
    now: datetime,
    t: Translator,
) -> None:
    views = [
        make_view(inquiry_id="later", due_at=now + timedelta(days=3)),
        make_view(inquiry_id="sooner", due_at=now + timedelta(days=1)),
        make_view(inquiry_id="urgent", urgent=True, priority=5),
        make_view(inquiry_id="priority", priority=1, due_at=now + timedelta(days=5)),
    ]
    rows = ordered([item_row(v, viewer=make_operator(), now=now, t=t) for v in views])
    assert [r.id for r in rows] == ["urgent", "priority", "sooner", "later"]


def test_an_operator_is_told_the_text_is_redacted(
    make_view: Callable[..., QueueItemView],
    make_operator: Callable[..., Operator],
    now: datetime,
    t: Translator,
) -> None:
    operator = item_row(make_view(), viewer=make_operator(), now=now, t=t)
    caseworker = item_row(make_view(), viewer=make_operator(role="caseworker"), now=now, t=t)
    assert (operator.redacted, caseworker.redacted) == (True, False)
