"""The board as one viewer sees it at one moment: queue figures and item rows, ready to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard.filters import Filters
from dashboard.i18n import Translator
from dashboard.present import ItemRow, SummaryRow, item_row, ordered, summary_row
from models.labels import CHANNELS, SERVICE_AREAS, department_of
from queues.accounts import Operator
from queues.board import QueueBoard, visible_queues


@dataclass(frozen=True)
class Snapshot:
    """What the board fragment renders."""

    summaries: list[SummaryRow]
    hidden_queues: int
    items: list[ItemRow]

    def context(self) -> dict[str, Any]:
        """Template variables."""
        return {
            "summaries": self.summaries,
            "hidden_queues": self.hidden_queues,
            "items": self.items,
        }


def take_snapshot(
    *, board: QueueBoard, viewer: Operator, filters: Filters, now: datetime, t: Translator
) -> Snapshot:
    """Read the viewer's queues and items (blocking: call it in a thread)."""
    summaries = board.summaries(viewer=viewer, now=now)
    # Queues with nothing waiting and nothing arrived lately only take room.
    shown = [
        s
        for s in summaries
        if s.depth or s.arrivals_7d or (filters.area is not None and s.queue == filters.area)
    ]
    views = board.items(
        viewer=viewer,
        queues=[filters.area] if filters.area else None,
        channels=[filters.channel] if filters.channel else None,
    )
    return Snapshot(
        summaries=[summary_row(s, t=t) for s in shown],
        hidden_queues=len(summaries) - len(shown),
        items=ordered([item_row(v, viewer=viewer, now=now, t=t) for v in views]),
    )


def filter_choices(*, viewer: Operator, t: Translator) -> dict[str, Any]:
    """The options of the filter form: every channel, and the viewer's service areas."""
    return {
        "channel_choices": [(c, t.label("channel", c)) for c in CHANNELS],
        "area_choices": [(a, t.area(a)) for a in visible_queues(viewer)],
    }


def transfer_choices(*, t: Translator) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every queue an item can be moved to, grouped by department."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for area in SERVICE_AREAS:
        groups.setdefault(t.department(department_of(area)), []).append((area, t.area(area)))
    return list(groups.items())
