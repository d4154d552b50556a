"""streams.queue_metrics: per-queue gauges read from the ledger at scrape time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from config.catalogue import Catalogue
from ledger.database import make_engine
from ledger.store import Ledger
from models.classification import Classification
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.labels import SERVICE_AREAS
from streams.queue_metrics import QueueCollector, longest_deadline_seconds

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def queue_one(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
) -> Callable[..., None]:
    """Queue an inquiry written at `received` (or `at`), decided at `at`, due at `due`."""

    def make(queue: str, *, at: datetime, due: datetime, received: datetime | None = None) -> None:
        inquiry = make_inquiry(received_at=received or at)
        decision = RoutingDecision(
            inquiry_id=inquiry.id,
            action="queue",
            queue=queue,
            priority=5,
            due_at=due,
            reason="test",
            classification=make_classification(service_area=queue),
            decided_at=at,
        )
        ledger.record_decisions(decided=[(inquiry, decision)])

    return make


def test_a_scrape_shows_depth_oldest_age_and_past_due_per_queue(
    ledger: Ledger, catalogue: Catalogue, queue_one: Callable[..., None], now: datetime
) -> None:
    queue_one("mtm.affald", at=now, due=now - HOUR)
    queue_one("mtm.affald", at=now, due=now + DAY)
    later = now + 2 * HOUR
    collector = QueueCollector(engine=ledger.engine, catalogue=catalogue, clock=lambda: later)
    registry = CollectorRegistry()
    registry.register(collector)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("indgang_queue_items", queue="mtm.affald", state="open") == 2
    assert value("indgang_queue_items", queue="mtm.affald", state="claimed") == 0
    assert value("indgang_queue_items_past_due", queue="mtm.affald") == 1
    assert value("indgang_queue_oldest_item_age_seconds", queue="mtm.affald") == 2 * 3600
    # A queue with nothing waiting shows zeros rather than no series.
    assert value("indgang_queue_items", queue="mkb.generel", state="open") == 0
    assert value("indgang_queue_oldest_item_age_seconds", queue="mkb.generel") == 0
    assert value("indgang_queue_items_past_due", queue="mkb.generel") == 0
    queues = {s.labels["queue"] for family in registry.collect() for s in family.samples}
    assert queues == set(SERVICE_AREAS)


def test_the_oldest_age_counts_from_when_the_citizen_wrote_not_when_the_item_was_queued(
    ledger: Ledger, catalogue: Catalogue, queue_one: Callable[..., None]
) -> None:
    # The ledger stamps the item with its own clock, so it is queued now, on the real one.
    now = datetime.now(UTC)
    queue_one("mtm.affald", at=now, due=now + DAY, received=now - 3 * HOUR)
    registry = CollectorRegistry()
    registry.register(QueueCollector(engine=ledger.engine, catalogue=catalogue, clock=lambda: now))

    age = registry.get_sample_value(
        "indgang_queue_oldest_item_age_seconds", {"queue": "mtm.affald"}
    )

    assert age == 3 * 3600


def test_without_the_ledger_only_the_static_deadlines_are_exported(
    catalogue: Catalogue,
) -> None:
    registry = CollectorRegistry()
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    registry.register(QueueCollector(engine=engine, catalogue=catalogue))

    text = generate_latest(registry).decode()

    assert "indgang_queue_deadline_seconds{" in text
    assert "indgang_queue_items{" not in text
    assert "indgang_queue_items_past_due{" not in text


def test_the_deadline_is_the_longest_wait_the_router_gives(catalogue: Catalogue) -> None:
    deadlines = longest_deadline_seconds(catalogue)

    assert set(deadlines) == {area.queue for area in catalogue.service_areas.values()}
    # 5 working days from just after Friday's close: the clock starts Monday 08:00 and runs
    # to close of business the Monday after (15:30), 10 days and 2.5 hours later.
    assert deadlines["mtm.affald"] == (10 * DAY + 2.5 * HOUR).total_seconds()
    # A shorter service target gives a shorter bound.
    assert deadlines["msb.handicap_social"] < deadlines["mtm.affald"]
