"""ledger.first_contact: repeat contacts and first-contact resolution, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from ledger.first_contact import Contact, FirstContactCell, count_repeats, first_contact_resolution
from ledger.store import Ledger
from models.classification import Classification
from models.decision import Answer, RoutingDecision
from models.inquiry import Inquiry

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
WINDOW = timedelta(days=28)


def key(name: str) -> str:
    """A citizen key as the entrance makes them: 64 hex digits."""
    return hashlib.sha256(name.encode()).hexdigest()


@pytest.fixture
def contact(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
) -> Callable[..., None]:
    """Record a decided inquiry from `citizen` about `area`, received at `at`."""

    def make(citizen: str | None, area: str, at: datetime, action: str = "queue") -> None:
        inquiry = make_inquiry(citizen_key=key(citizen) if citizen else None, received_at=at)
        decision = RoutingDecision(
            inquiry_id=inquiry.id,
            action=action,
            queue=area,
            answer=Answer(text="Se aarhus.dk") if action == "resolve" else None,
            priority=5,
            due_at=at + WEEK if action == "queue" else None,
            reason="test",
            classification=make_classification(service_area=area),
            decided_at=at,
        )
        ledger.record_decisions(decided=[(inquiry, decision)])

    return make


def test_a_contact_followed_within_the_repeat_period_about_the_same_area_is_repeated(
    ledger: Ledger, contact: Callable[..., None], now: datetime
) -> None:
    first = now - 20 * DAY
    contact("anna", "mtm.affald", first, action="resolve")
    contact("anna", "mtm.affald", first + 3 * DAY)  # repeat of the first; itself final, alone
    contact("bo", "mtm.affald", first, action="resolve")
    contact("bo", "mtm.affald", first + 8 * DAY)  # too late to be a repeat
    contact("carl", "mtm.affald", first, action="resolve")
    contact("carl", "mkb.generel", first + DAY)  # another area: not a repeat

    cells = first_contact_resolution(ledger.engine, now=now, window=WINDOW, repeat_within=WEEK)

    assert cells == [
        FirstContactCell("mkb.generel", "queue", contacts=1, repeats=0),
        FirstContactCell("mtm.affald", "queue", contacts=2, repeats=0),
        FirstContactCell("mtm.affald", "resolve", contacts=3, repeats=1),
    ]
    assert cells[2].resolution == pytest.approx(2 / 3)


def test_only_contacts_whose_repeat_period_is_over_count(
    ledger: Ledger, contact: Callable[..., None], now: datetime
) -> None:
    contact("anna", "mtm.affald", now - 3 * DAY)  # its 7 days are not over: not final
    contact("bo", "mtm.affald", now - WEEK - WINDOW - DAY)  # before the window
    contact("carl", "mtm.affald", now - WEEK - DAY)  # final, and repeated by the next one
    contact("carl", "mtm.affald", now - 2 * DAY)  # a repeat, though not final itself

    cells = first_contact_resolution(ledger.engine, now=now, window=WINDOW, repeat_within=WEEK)

    assert cells == [FirstContactCell("mtm.affald", "queue", contacts=1, repeats=1)]
    assert cells[0].resolution == 0.0


def test_inquiries_without_a_citizen_key_or_a_decision_are_not_contacts(
    ledger: Ledger,
    contact: Callable[..., None],
    make_inquiry: Callable[..., Inquiry],
    now: datetime,
) -> None:
    contact(None, "mtm.affald", now - 10 * DAY)
    ledger.accept(make_inquiry(citizen_key=key("anna"), received_at=now - 10 * DAY))

    assert first_contact_resolution(ledger.engine, now=now, window=WINDOW, repeat_within=WEEK) == []


def test_the_repeat_period_is_inclusive_and_a_contact_at_the_same_instant_is_no_repeat(
    now: datetime,
) -> None:
    start, end = now - WINDOW, now
    contacts = [
        Contact(key("anna"), "mtm.affald", "queue", start),
        Contact(key("anna"), "mtm.affald", "queue", start + WEEK),  # exactly 7 days later
        Contact(key("bo"), "mtm.affald", "queue", start + DAY),
        Contact(key("bo"), "mtm.affald", "queue", start + DAY),  # logged twice
    ]

    cells = count_repeats(contacts, start=start, end=end, repeat_within=WEEK)

    # anna's first is repeated; her second is not; bo's twin contacts repeat neither.
    assert cells == [FirstContactCell("mtm.affald", "queue", contacts=4, repeats=1)]


def test_resolution_of_no_contacts_is_zero_not_a_division_error() -> None:
    assert FirstContactCell("mtm.affald", "queue", contacts=0, repeats=0).resolution == 0.0
