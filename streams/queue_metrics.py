"""Queue depth, oldest item age and items past due, read from the ledger at each scrape."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from config.catalogue import Catalogue
from ledger.queue_stats import QueueStats, waiting_by_queue
from models.errors import LedgerError
from models.labels import SERVICE_AREAS
from router.deadlines import due_in_working_hours

log = logging.getLogger(__name__)

# A week with no Danish public holiday, and the weeks after it: the deadline's longest
# calendar span is measured here, from every hour of the week.
_REFERENCE_MONDAY = datetime(2025, 9, 1, tzinfo=UTC)
_REFERENCE_STEP = timedelta(hours=1)


def longest_deadline_seconds(catalogue: Catalogue) -> dict[str, float]:
    """Per queue, the longest time from arrival to due time the router gives, holidays aside."""
    tz = catalogue.policy.timezone
    starts = [_REFERENCE_MONDAY + n * _REFERENCE_STEP for n in range(7 * 24)]
    return {
        area.queue: max(
            (
                due_in_working_hours(
                    start,
                    working_days=area.response_deadline_working_days,
                    hours=area.queue_hours,
                    tz=tz,
                )
                - start
            ).total_seconds()
            for start in starts
        )
        for area in catalogue.service_areas.values()
    }


class QueueCollector(Collector):
    """Gauges per queue from queue_items: one cheap aggregate query per scrape."""

    def __init__(
        self,
        *,
        engine: Engine,
        catalogue: Catalogue,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.deadlines = longest_deadline_seconds(catalogue)

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """The families, without reading the ledger (prometheus-client calls this to register)."""
        return self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Read the ledger now; without it, only the static deadlines are exported."""
        now = self.clock()
        try:
            stats = {s.queue: s for s in waiting_by_queue(self.engine, now=now)}
        except LedgerError as exc:
            # An empty gauge is honest: Prometheus shows no data rather than a false zero.
            log.warning("queue metrics not read: %s", exc)
            yield from self._families(deadlines_only=True)
            return
        yield from self._families(stats=stats, now=now)

    def _families(
        self,
        *,
        stats: dict[str, QueueStats] | None = None,
        now: datetime | None = None,
        deadlines_only: bool = False,
    ) -> list[GaugeMetricFamily]:
        items = GaugeMetricFamily(
            "indgang_queue_items",
            "Items waiting in a department queue, by state (open or claimed).",
            labels=["queue", "state"],
        )
        oldest = GaugeMetricFamily(
            "indgang_queue_oldest_item_age_seconds",
            "Age of the oldest waiting item in a queue since the citizen wrote; 0 when empty.",
            labels=["queue"],
        )
        past_due = GaugeMetricFamily(
            "indgang_queue_items_past_due",
            "Waiting items whose due time has passed.",
            labels=["queue"],
        )
        deadline = GaugeMetricFamily(
            "indgang_queue_deadline_seconds",
            "The longest time from arrival to due time the router gives in a queue "
            "(its response deadline in working hours, holidays aside).",
            labels=["queue"],
        )
        for queue, seconds in sorted(self.deadlines.items()):
            deadline.add_metric([queue], seconds)
        if stats is None or now is None:
            return [deadline] if deadlines_only else [items, oldest, past_due, deadline]
        # Every queue of the label space gets a series, so an empty queue shows 0, not a gap;
        # a queue name outside it (never written by the router) is left out to keep labels bounded.
        for queue in SERVICE_AREAS:
            found = stats.get(queue)
            items.add_metric([queue, "open"], found.open if found else 0)
            items.add_metric([queue, "claimed"], found.claimed if found else 0)
            age = 0.0
            if found is not None and found.oldest_received_at is not None:
                age = max((now - found.oldest_received_at).total_seconds(), 0.0)
            oldest.add_metric([queue], age)
            past_due.add_metric([queue], found.past_due if found else 0)
        return [items, oldest, past_due, deadline]
