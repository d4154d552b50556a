"""A queue event as the ledger stores it: one row per event id, whoever records it."""

from __future__ import annotations

import hashlib
from typing import Any

from ledger.times import utc
from models.queue_events import QueueEvent

# Column width of QueueEventRow.event_id (ledger/schema.py).
MAX_EVENT_ID = 128


def stored_event_id(event: QueueEvent) -> str:
    """The event's id as the ledger keys it; over-long ids are hashed, still one per event."""
    if len(event.event_id) <= MAX_EVENT_ID:
        return event.event_id
    return "sha256:" + hashlib.sha256(event.event_id.encode()).hexdigest()


def event_row(event: QueueEvent, *, applied: bool = False) -> dict[str, Any]:
    """The QueueEventRow values of an event, not yet applied unless told."""
    return {
        "event_id": stored_event_id(event),
        "inquiry_id": event.inquiry_id,
        "kind": event.kind,
        "queue": event.queue,
        "actor": event.actor,
        "at": utc(event.at),
        "event": event.model_dump(mode="json"),
        "applied": applied,
        "note": None,
    }
