"""ledger.queue_stats: waiting items per queue, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from ledger.database import make_engine
from ledger.queue_stats import QueueStats, waiting_by_queue
from ledger.schema import QueueItemRow
from ledger.store import Ledger
from models.classification import Classification
from models.decision import RoutingDecision
from models.errors import LedgerUnavailable
from models.inquiry import Inquiry


@pytest.fixture
def enqueue(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
) -> Callable[..., str]:
    """Queue one inquiry: into `queue`, written at `received` (or `at`), queued at `at`."""

    def make(
        *,
        queue: str,
        at: datetime,
        due: datetime,
        state: str = "open",
        received: datetime | None = None,
    ) -> str:
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
        with ledger.engine.begin() as connection:
            connection.execute(
                update(QueueItemRow)
                .where(QueueItemRow.inquiry_id == inquiry.id)
                .values(created_at=at, state=state)
            )
        return inquiry.id

    return make


def test_counts_waiting_items_by_state_with_the_oldest_and_those_past_due(
    ledger: Ledger, enqueue: Callable[..., str], now: datetime
) -> None:
    hour = timedelta(hours=1)
    enqueue(queue="mtm.affald", at=now - 30 * hour, due=now - 2 * hour)
    enqueue(queue="mtm.affald", at=now - 3 * hour, due=now + 5 * hour)
    enqueue(queue="mtm.affald", at=now - 50 * hour, due=now - hour, state="claimed")
    enqueue(queue="mtm.affald", at=now - 90 * hour, due=now - hour, state="resolved")
    enqueue(queue="mkb.generel", at=now - hour, due=now + hour)

    stats = waiting_by_queue(ledger.engine, now=now)

    assert stats == [
        QueueStats("mkb.generel", open=1, claimed=0, oldest_received_at=now - hour, past_due=0),
        # The resolved item is neither waiting, nor the oldest, nor past due.
        QueueStats("mtm.affald", open=2, claimed=1, oldest_received_at=now - 50 * hour, past_due=2),
    ]


def test_the_oldest_counts_from_when_the_citizen_wrote_not_when_the_item_was_queued(
    ledger: Ledger, enqueue: Callable[..., str], now: datetime
) -> None:
    hour = timedelta(hours=1)
    # Mail taken in after an outage: written 3 hours ago, queued 1 hour ago.
    enqueue(queue="mtm.affald", received=now - 3 * hour, at=now - hour, due=now + hour)
    enqueue(queue="mtm.affald", at=now - 2 * hour, due=now + hour)

    [affald] = waiting_by_queue(ledger.engine, now=now)

    assert affald.oldest_received_at == now - 3 * hour


def test_an_empty_ledger_has_no_waiting_queues(ledger: Ledger, now: datetime) -> None:
    assert waiting_by_queue(ledger.engine, now=now) == []


def test_an_unreachable_database_is_reported_as_unavailable(now: datetime) -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(LedgerUnavailable, match="database unreachable"):
        waiting_by_queue(engine, now=now)
