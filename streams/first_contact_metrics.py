"""First-contact resolution per service area and decision kind, as cached gauges."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from ledger.first_contact import FirstContactCell, first_contact_resolution
from models.errors import LedgerError
from models.labels import SERVICE_AREAS

log = logging.getLogger(__name__)

ACTIONS = ("resolve", "queue")
WINDOW = timedelta(days=28)
REFRESH_S = 300.0


class FirstContactCollector(Collector):
    """The last computed figures; a scrape that finds them stale recomputes in the background."""

    def __init__(
        self,
        *,
        engine: Engine,
        repeat_contact_days: int,
        window: timedelta = WINDOW,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.repeat_within = timedelta(days=repeat_contact_days)
        self.window = window
        self.refresh_s = refresh_s
        self.clock = clock
        self._cells: list[FirstContactCell] | None = None
        self._computed_at = float("-inf")
        self._refreshing = threading.Lock()

    def refresh(self) -> None:
        """Recompute now; on a ledger error the previous figures stay."""
        try:
            cells = first_contact_resolution(
                self.engine, now=self.clock(), window=self.window, repeat_within=self.repeat_within
            )
        except LedgerError as exc:
            log.warning("first-contact resolution not computed: %s", exc)
            return
        self._cells = cells
        self._computed_at = time.monotonic()

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """The families, without reading the ledger."""
        return self._families([])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The cached figures, none before the first computation finished."""
        if time.monotonic() - self._computed_at >= self.refresh_s:
            # A month of inquiries takes a while to read: never inside the HTTP side's loop.
            self._refresh_in_background()
        if self._cells is not None:
            yield from self._families(self._cells)

    def _refresh_in_background(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # one computation at a time

        def run() -> None:
            try:
                self.refresh()
            finally:
                self._refreshing.release()

        threading.Thread(target=run, name="first-contact-resolution", daemon=True).start()

    def _families(self, cells: list[FirstContactCell]) -> list[GaugeMetricFamily]:
        window = (
            f"contacts of the {self.window.days} days ending {self.repeat_within.days} days ago"
        )
        contacts = GaugeMetricFamily(
            "indgang_first_contacts",
            f"Final contacts with a citizen key ({window}).",
            labels=["service_area", "action"],
        )
        repeats = GaugeMetricFamily(
            "indgang_first_contact_repeats",
            f"Of those contacts, the ones followed by another from the same citizen key about "
            f"the same service area within {self.repeat_within.days} days.",
            labels=["service_area", "action"],
        )
        resolution = GaugeMetricFamily(
            "indgang_first_contact_resolution_ratio",
            "1 - repeats / contacts: first-contact resolution; absent where no contact counted.",
            labels=["service_area", "action"],
        )
        found = {(c.service_area, c.action): c for c in cells}
        for area in SERVICE_AREAS:
            for action in ACTIONS:
                cell = found.get((area, action))
                contacts.add_metric([area, action], cell.contacts if cell else 0)
                repeats.add_metric([area, action], cell.repeats if cell else 0)
                if cell is not None and cell.contacts:
                    resolution.add_metric([area, action], cell.resolution)
        return [contacts, repeats, resolution]
