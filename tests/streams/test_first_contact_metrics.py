"""streams.first_contact_metrics: cached gauges of first-contact resolution."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from ledger.database import make_engine
from ledger.first_contact import FirstContactCell, first_contact_resolution
from ledger.store import Ledger
from models.classification import Classification
from models.decision import Answer, RoutingDecision
from models.inquiry import Inquiry
from streams import first_contact_metrics
from streams.first_contact_metrics import FirstContactCollector
from tests.processes import wait_until

DAY = timedelta(days=1)


@pytest.fixture
def resolved_contact(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
) -> Callable[[str, datetime], None]:
    """Record an inquiry from `citizen`, resolved at once in mtm.affald, received at `at`."""

    def make(citizen: str, at: datetime) -> None:
        inquiry = make_inquiry(
            citizen_key=hashlib.sha256(citizen.encode()).hexdigest(), received_at=at
        )
        decision = RoutingDecision(
            inquiry_id=inquiry.id,
            action="resolve",
            queue="mtm.affald",
            answer=Answer(text="Storskrald bestilles på aarhus.dk"),
            priority=5,
            reason="test",
            classification=make_classification(service_area="mtm.affald"),
            decided_at=at,
        )
        ledger.record_decisions(decided=[(inquiry, decision)])

    return make


def _value(registry: CollectorRegistry, name: str, action: str = "resolve") -> float | None:
    return registry.get_sample_value(name, {"service_area": "mtm.affald", "action": action})


def test_exports_contacts_repeats_and_resolution_per_area_and_decision_kind(
    ledger: Ledger, resolved_contact: Callable[[str, datetime], None], now: datetime
) -> None:
    for citizen in ("anna", "bo", "carl", "dorte"):
        resolved_contact(citizen, now - 12 * DAY)
    resolved_contact("anna", now - 10 * DAY)  # anna came back about the same thing
    collector = FirstContactCollector(
        engine=ledger.engine, repeat_contact_days=7, clock=lambda: now
    )
    registry = CollectorRegistry()
    registry.register(collector)
    collector.refresh()

    assert _value(registry, "indgang_first_contacts") == 5
    assert _value(registry, "indgang_first_contact_repeats") == 1
    assert _value(registry, "indgang_first_contact_resolution_ratio") == pytest.approx(0.8)
    # Every area and kind has a count, but a ratio only where there were contacts.
    assert _value(registry, "indgang_first_contacts", action="queue") == 0
    assert _value(registry, "indgang_first_contact_resolution_ratio", action="queue") is None


def test_a_stale_scrape_recomputes_in_the_background_and_shows_the_result_next_time(
    ledger: Ledger,
    resolved_contact: Callable[[str, datetime], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolved_contact("anna", datetime.now(UTC) - 9 * DAY)
    # The computation is held until the test lets it go. Unheld, a tiny SQLite ledger was
    # sometimes read before the scrape that started it had finished (12 in 100 on a loaded
    # machine), so "the first scrape shows nothing" depended on the scheduler.
    release = threading.Event()
    computed_on: list[str] = []

    def held(*args: Any, **kwargs: Any) -> list[FirstContactCell]:
        computed_on.append(threading.current_thread().name)
        release.wait(timeout=30)
        return first_contact_resolution(*args, **kwargs)

    monkeypatch.setattr(first_contact_metrics, "first_contact_resolution", held)
    collector = FirstContactCollector(engine=ledger.engine, repeat_contact_days=7, refresh_s=3600)
    registry = CollectorRegistry()
    registry.register(collector)

    # Nothing computed yet: the first scrape starts the computation and shows no figures.
    assert _value(registry, "indgang_first_contacts") is None
    wait_until(lambda: computed_on, timeout_s=30, what="the background computation to start")
    # Another scrape while it runs shows nothing either and starts no second computation.
    assert _value(registry, "indgang_first_contacts") is None
    assert computed_on == ["first-contact-resolution"]  # on its own thread, not the scrape's
    release.set()
    wait_until(
        lambda: _value(registry, "indgang_first_contacts") == 1,
        timeout_s=30,
        what="the background computation",
    )
    # Fresh figures are served from the cache: a new contact shows only after refresh_s.
    resolved_contact("bo", datetime.now(UTC) - 9 * DAY)
    assert _value(registry, "indgang_first_contacts") == 1
    assert len(computed_on) == 1


def test_a_failed_recomputation_keeps_the_last_figures(
    ledger: Ledger, resolved_contact: Callable[[str, datetime], None], now: datetime
) -> None:
    resolved_contact("anna", now - 9 * DAY)
    collector = FirstContactCollector(
        engine=ledger.engine, repeat_contact_days=7, clock=lambda: now
    )
    registry = CollectorRegistry()
    registry.register(collector)
    collector.refresh()
    collector.engine = make_engine("postgresql://nobody@127.0.0.1:1/none")

    collector.refresh()

    assert _value(registry, "indgang_first_contacts") == 1
