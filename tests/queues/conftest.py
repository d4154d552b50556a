"""Factories for queued inquiries and queue events on a real ledger."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from ledger.schema import QueueItemRow
from ledger.store import Ledger
from models.classification import Classification
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.queue_events import ItemEnqueued
from queues.projection import apply_events
from tests.conftest import REPO

CPR_TEXT = "Hej, mit cpr-nummer er 010203-1234 og I kan ringe på 87 65 43 21 om skraldet."


@dataclass(frozen=True)
class Queued:
    """An inquiry the router queued, and the enqueued event the worker published for it."""

    inquiry: Inquiry
    decision: RoutingDecision
    enqueued: ItemEnqueued

    @property
    def id(self) -> str:
        """The inquiry id, which is the queue item's id too."""
        return self.inquiry.id


@pytest.fixture
def put_on_queue(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
) -> Callable[..., Queued]:
    """Record an inquiry the router queued, as the worker does; override labels and times."""

    def put(
        *,
        queue: str = "mtm.affald",
        priority: int = 5,
        due_at: datetime | None = None,
        decided_at: datetime | None = None,
        urgent: bool = False,
        project: bool = True,
        queued_at: datetime | None = None,
        **inquiry_fields: Any,
    ) -> Queued:
        decided = decided_at or datetime.now(UTC)
        inquiry = make_inquiry(**({"channel": "mail"} | inquiry_fields))
        classification = make_classification(
            service_area=queue, type="klage", complexity="mellem", urgent=urgent
        )
        decision = RoutingDecision(
            inquiry_id=inquiry.id,
            action="queue",
            queue=classification.service_area,
            priority=priority,
            due_at=due_at or decided + timedelta(days=2),
            reason="test: needs a case worker",
            classification=classification,
            decided_at=decided,
        )
        ledger.accept(inquiry)
        ledger.record_decisions(decided=[(inquiry, decision)])
        if queued_at is not None:
            # The ledger stamps the item with its own clock; a test of ages needs a fixed one.
            with ledger.engine.begin() as connection:
                connection.execute(
                    update(QueueItemRow)
                    .where(QueueItemRow.inquiry_id == inquiry.id)
                    .values(created_at=queued_at)
                )
        assert decision.due_at is not None
        enqueued = ItemEnqueued(
            event_id=f"{inquiry.id}:enqueued",
            inquiry_id=inquiry.id,
            queue=decision.queue,
            priority=decision.priority,
            due_at=decision.due_at,
            at=decided,
        )
        if project:
            apply_events(ledger.engine, [enqueued])
        return Queued(inquiry, decision, enqueued)

    return put


def queue_state(engine: Engine) -> list[tuple[Any, ...]]:
    """Every queue item's materialised columns, for comparing two projections."""
    with engine.connect() as connection:
        rows = connection.execute(select(QueueItemRow).order_by(QueueItemRow.inquiry_id)).all()
    return [tuple(row) for row in rows]


def run_indgang(*args: str, database_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the `indgang` command on a ledger, as an operator at a terminal would."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INDGANG_")},
        "INDGANG_DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "indgang", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
        check=False,
    )
