"""First-contact resolution: how many contacts were not followed by a repeat contact.

A contact is a decided inquiry with a citizen key. It is repeated when the same key makes
another inquiry decided into the same service area later, within `repeat_within` of it.
Only contacts whose repeat period is over are final, so the contacts counted are those that
arrived in the `window` that ends `repeat_within` before `now`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from ledger.read_session import read_session
from ledger.schema import DecisionRow, InquiryRow
from ledger.times import utc

# Rows streamed from the database at a time, so a month of inquiries never sits in memory whole.
_BATCH = 5_000


@dataclass(frozen=True)
class FirstContactCell:
    """Final contacts of one service area and decision kind, and how many were repeated."""

    service_area: str
    action: str
    contacts: int
    repeats: int

    @property
    def resolution(self) -> float:
        """1 − repeats / contacts: the share settled at the first contact."""
        return 1.0 - self.repeats / self.contacts if self.contacts else 0.0


@dataclass(frozen=True)
class Contact:
    """One decided inquiry of a citizen, as first-contact resolution sees it."""

    key: str
    service_area: str
    action: str
    at: datetime


def first_contact_resolution(
    engine: Engine, *, now: datetime, window: timedelta, repeat_within: timedelta
) -> list[FirstContactCell]:
    """Final contacts and their repeats per (service area, action), sorted by both."""
    now = utc(now)
    end = now - repeat_within
    start = end - window
    query = (
        select(
            InquiryRow.citizen_key,
            DecisionRow.service_area,
            DecisionRow.action,
            InquiryRow.received_at,
        )
        .join(DecisionRow, DecisionRow.inquiry_id == InquiryRow.id)
        .where(
            InquiryRow.citizen_key.is_not(None),
            InquiryRow.received_at >= start,
            InquiryRow.received_at <= now,
        )
        .execution_options(yield_per=_BATCH)
    )
    with read_session(engine) as session:
        contacts = [
            Contact(key, area, action, utc(at))
            for key, area, action, at in session.execute(query)
            if key is not None  # the query excludes them; this tells the type checker
        ]
    return count_repeats(contacts, start=start, end=end, repeat_within=repeat_within)


def count_repeats(
    contacts: Iterable[Contact], *, start: datetime, end: datetime, repeat_within: timedelta
) -> list[FirstContactCell]:
    """Count contacts in [start, end) and those followed within `repeat_within` (exclusive)."""
    by_citizen_area: dict[tuple[str, str], list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_citizen_area[(contact.key, contact.service_area)].append(contact)
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for series in by_citizen_area.values():
        series.sort(key=lambda c: c.at)
        for n, contact in enumerate(series):
            if not start <= contact.at < end:
                continue
            # The next contact strictly later: two at the same instant are one contact twice
            # (e.g. the same call logged by two systems), not a repeat.
            later = next((c.at for c in series[n + 1 :] if c.at > contact.at), None)
            cell = totals[(contact.service_area, contact.action)]
            cell[0] += 1
            if later is not None and later - contact.at <= repeat_within:
                cell[1] += 1
    return [
        FirstContactCell(area, action, contacts, repeats)
        for (area, action), (contacts, repeats) in sorted(totals.items())
    ]
