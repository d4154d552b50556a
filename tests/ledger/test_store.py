"""The ledger on SQLite and PostgreSQL: durable, and idempotent by inquiry id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from config.catalogue import Catalogue
from ledger.database import make_engine
from ledger.migrate import downgrade, upgrade
from ledger.schema import InquiryRow, QueueEventRow
from ledger.store import Ledger
from models.classification import Classification
from models.decision import RoutingDecision
from models.errors import ConfigError, LedgerUnavailable
from models.inquiry import Inquiry
from models.queue_events import ItemEnqueued
from router.policy import decide

pytestmark = pytest.mark.usefixtures("ledger")


def _decided(
    inquiry: Inquiry,
    classification: Classification,
    catalogue: Catalogue,
) -> tuple[Inquiry, object]:
    return inquiry, decide(
        inquiry=inquiry, classification=classification, catalogue=catalogue, now=datetime.now(UTC)
    )


def test_accepting_the_same_inquiry_twice_keeps_one(
    ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiry = make_inquiry()
    assert ledger.accept(inquiry).created
    again = ledger.accept(inquiry)
    assert (again.created, again.status) == (False, "accepted")
    assert ledger.counts()["inquiries"] == 1


def test_accepting_many_at_once_creates_each_id_once_and_tells_each_status(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
) -> None:
    earlier, decided, fresh = make_inquiry(), make_inquiry(), make_inquiry()
    ledger.accept(earlier)
    ledger.record_decisions(decided=[_decided(decided, make_classification(), catalogue)])  # type: ignore[list-item]
    answers = ledger.accept_many([earlier, fresh, decided, fresh])
    assert [(a.inquiry_id, a.created, a.status) for a in answers] == [
        (earlier.id, False, "accepted"),
        (fresh.id, True, "accepted"),
        (decided.id, False, "decided"),
        (fresh.id, False, "accepted"),
    ]
    assert ledger.counts()["inquiries"] == 3


def test_a_redelivered_inquiry_gets_one_decision_and_one_queue_item(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
) -> None:
    inquiry = make_inquiry()
    ledger.accept(inquiry)
    first = _decided(inquiry, make_classification(type="klage"), catalogue)
    # The second delivery is classified differently (a retrained model): the first decision stands.
    second = _decided(inquiry, make_classification(type="indberetning"), catalogue)
    [standing_1] = ledger.record_decisions(decided=[first])  # type: ignore[list-item]
    [standing_2] = ledger.record_decisions(decided=[second, second])  # type: ignore[list-item]
    assert standing_1 == standing_2
    assert standing_2.classification.type == "klage"
    assert ledger.counts() == {"inquiries": 1, "decisions": 1, "queue_items": 1}


def test_a_resolved_inquiry_has_no_queue_item(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
) -> None:
    inquiry = make_inquiry()
    ledger.record_decisions(decided=[_decided(inquiry, make_classification(), catalogue)])  # type: ignore[list-item]
    status = ledger.status(inquiry_id=inquiry.id)
    assert status is not None and status.status == "decided"
    assert status.decision is not None and status.decision.action == "resolve"
    assert ledger.counts()["queue_items"] == 0


def test_undecided_inquiries_are_found_for_redelivery_until_decided(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
) -> None:
    waiting, decided = make_inquiry(), make_inquiry()
    ledger.accept(waiting)
    ledger.accept(decided)
    ledger.record_decisions(decided=[_decided(decided, make_classification(), catalogue)])  # type: ignore[list-item]
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert [i.id for i in ledger.undecided(untouched_since=later)] == [waiting.id]


def test_a_just_published_inquiry_is_not_redelivered_at_once(
    ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiry = make_inquiry()
    ledger.accept(inquiry)
    cutoff = datetime.now(UTC) + timedelta(milliseconds=50)
    ledger.mark_published(inquiry_ids=[inquiry.id])
    ledger.mark_published(inquiry_ids=[inquiry.id])
    assert ledger.undecided(untouched_since=cutoff - timedelta(seconds=60)) == []


def test_received_at_keeps_its_instant_whatever_the_zone(
    ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    local = datetime.fromisoformat("2026-11-20T10:00:00+01:00")
    inquiry = make_inquiry(received_at=local)
    ledger.accept(inquiry)
    [back] = ledger.undecided(untouched_since=datetime.now(UTC) + timedelta(seconds=1))
    assert back.received_at == local


def test_unknown_inquiry_has_no_status(ledger: Ledger) -> None:
    assert ledger.status(inquiry_id="nope") is None


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    downgrade(engine)
    assert "inquiries" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert {"inquiries", "decisions", "queue_items"} <= set(inspect(engine).get_table_names())


def test_an_unreachable_database_raises_ledger_unavailable() -> None:
    ledger = Ledger(make_engine("postgresql://nobody@127.0.0.1:1/none"))
    with pytest.raises(LedgerUnavailable, match="database unreachable"):
        ledger.ping()


def test_an_unsupported_database_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mysql is not supported"):
        make_engine("mysql://root@localhost/test")


def test_a_queue_decision_is_recorded_with_its_redacted_text_and_its_enqueued_event(
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
) -> None:
    inquiry, decision = _decided(make_inquiry(), make_classification(type="klage"), catalogue)
    assert isinstance(decision, RoutingDecision) and decision.due_at is not None
    enqueued = ItemEnqueued(
        event_id=f"{inquiry.id}:enqueued",
        inquiry_id=inquiry.id,
        queue=decision.queue,
        priority=decision.priority,
        due_at=decision.due_at,
        at=decision.decided_at,
    )
    for _ in range(2):  # the second time is a redelivery: it changes nothing
        ledger.record_decisions(
            decided=[(inquiry, decision)],
            redacted={inquiry.id: "[NAVN] klager"},
            enqueued=[enqueued],
        )
    with ledger.engine.connect() as connection:
        events = connection.execute(select(QueueEventRow.event_id, QueueEventRow.applied)).all()
        text = connection.scalar(select(InquiryRow.redacted_text))
    assert [tuple(e) for e in events] == [(enqueued.event_id, True)]
    assert text == "[NAVN] klager"
    assert ledger.counts() == {"inquiries": 1, "decisions": 1, "queue_items": 1}
