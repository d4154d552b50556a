"""Turns the board's read model into what the templates show: words, local times, urgency."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dashboard.i18n import Translator
from queues.accounts import Operator
from queues.board import QueueItemView, QueueSummary

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
EXCERPT_CHARS = 160
WEEKDAYS = {
    "da": ("man", "tir", "ons", "tor", "fre", "lør", "søn"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


@dataclass(frozen=True)
class ItemRow:
    """One queue item as a row of the table and as the detail page."""

    id: str
    queue: str
    queue_name: str
    urgent: bool
    priority: int
    age: str  # since the citizen wrote, as the queue's oldest age is
    received_iso: str
    received_local: str
    due_text: str
    due_iso: str
    due_local: str
    breached: bool
    channel: str
    area: str
    type: str
    complexity: str
    subject: str
    excerpt: str
    text: str
    redacted: bool
    state: str
    state_text: str
    claimed_by_viewer: bool
    transfers: int
    outcome: str | None
    can_claim: bool
    can_release: bool
    can_work: bool
    version: str


@dataclass(frozen=True)
class SummaryRow:
    """One queue's figures."""

    queue: str
    name: str
    department: str
    depth: int
    claimed: int
    oldest: str
    past_due: int
    arrivals_7d: int
    misrouted_7d: int


def duration(seconds: float, t: Translator) -> str:
    """A coarse, readable length of time: minutes, hours and minutes, or days and hours."""
    minutes = int(abs(seconds) // 60)
    if minutes == 0:
        return t("duration.under_minute")
    if minutes < 60:
        return t("duration.minutes", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return t("duration.hours", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return t("duration.days", days=days, hours=hours)


def local_time(moment: datetime, t: Translator) -> str:
    """A time in Aarhus, with its weekday: 'fre 20/11 15:30'."""
    local = moment.astimezone(LOCAL_TZ)
    day = WEEKDAYS[t.lang][local.weekday()]
    return f"{day} {local.day}/{local.month} {local:%H:%M}"


def excerpt(text: str) -> str:
    """The start of a text on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def item_row(item: QueueItemView, *, viewer: Operator, now: datetime, t: Translator) -> ItemRow:
    """A queue item in the viewer's language, with what the viewer may do to it."""
    left_s = (item.due_at - now).total_seconds()
    breached = left_s < 0 and item.state != "resolved"
    mine = item.claimed_by == viewer.username
    if item.state == "claimed":
        state_text = (
            t("state.claimed_by_you") if mine else t("state.claimed", who=item.claimed_by or "?")
        )
    else:
        state_text = t(f"state.{item.state}")
    text = item.text or ""
    version = hashlib.sha256(
        repr(
            (item.state, item.claimed_by, item.queue, item.transfers, item.urgent, item.priority)
        ).encode("utf-8")
    ).hexdigest()[:12]
    return ItemRow(
        id=item.inquiry_id,
        queue=item.queue,
        queue_name=t.area(item.queue),
        urgent=item.urgent,
        priority=item.priority,
        # From when the citizen wrote, not when the item was queued; a bot client's clock a
        # little ahead of ours reads as no age rather than as a negative one.
        age=duration(max((now - item.received_at).total_seconds(), 0.0), t),
        received_iso=item.received_at.astimezone(UTC).isoformat(),
        received_local=local_time(item.received_at, t),
        due_text=(
            t("due.breached_by", duration=duration(left_s, t))
            if breached
            else t("due.left", duration=duration(left_s, t))
        ),
        due_iso=item.due_at.astimezone(UTC).isoformat(),
        due_local=local_time(item.due_at, t),
        breached=breached,
        channel=t.label("channel", item.channel),
        area=t.area(item.service_area),
        type=t.label("type", item.type),
        complexity=t.label("complexity", item.complexity),
        subject=item.subject or "",
        excerpt=excerpt(text) if text.strip() else t("items.no_text"),
        text=text,
        redacted=not viewer.sees_full_text,
        state=item.state,
        state_text=state_text,
        claimed_by_viewer=mine,
        transfers=item.transfers,
        outcome=item.outcome,
        can_claim=item.state == "open",
        can_release=item.state == "claimed" and (mine or viewer.role == "supervisor"),
        can_work=item.state != "resolved"
        and (item.state == "open" or mine or viewer.role == "supervisor"),
        version=version,
    )


def ordered(rows: list[ItemRow]) -> list[ItemRow]:
    """Urgent first, then by priority, then the nearest due time."""
    return sorted(rows, key=lambda r: (not r.urgent, r.priority, r.due_iso, r.id))


def summary_row(summary: QueueSummary, *, t: Translator) -> SummaryRow:
    """A queue's figures in the viewer's language."""
    return SummaryRow(
        queue=summary.queue,
        name=t.area(summary.queue),
        department=t.department(summary.department),
        depth=summary.depth,
        claimed=summary.claimed,
        oldest=duration(summary.oldest_age_s, t) if summary.oldest_age_s is not None else "–",
        past_due=summary.past_due,
        arrivals_7d=summary.arrivals_7d,
        misrouted_7d=summary.misrouted_7d,
    )
