"""Queue state materialised from queue events: a state machine, idempotent, replayable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from ledger.schema import QueueEventRow, QueueItemRow
from ledger.store import Ledger
from models.errors import PayloadError
from models.queue_events import (
    ItemClaimed,
    ItemRelabelled,
    ItemReleased,
    ItemResolved,
    ItemTransferred,
    QueueEvent,
)
from models.refusals import Refusal
from models.wire import encode
from queues.projection import apply_events, project_messages, rebuild
from streams.processor import RawMessage
from tests.queues.conftest import Queued, queue_state

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _item(ledger: Ledger, inquiry_id: str) -> QueueItemRow:
    with ledger.engine.connect() as connection:
        row = connection.execute(
            select(QueueItemRow).where(QueueItemRow.inquiry_id == inquiry_id)
        ).one()
    return row  # type: ignore[return-value]


def _events(ledger: Ledger) -> list[QueueEventRow]:
    with ledger.engine.connect() as connection:
        return connection.execute(select(QueueEventRow)).all()  # type: ignore[return-value]


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_claim_gives_an_open_item_to_its_claimer(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue()
    [result] = apply_events(
        ledger.engine, [ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="ada")]
    )
    assert (result.applied, result.note) == (True, None)
    item = _item(ledger, queued.id)
    assert (item.state, item.claimed_by) == ("claimed", "ada")
    assert item.updated_at is not None


def test_an_item_walks_through_claim_release_transfer_and_resolve(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue()
    common = {"inquiry_id": queued.id, "actor": "ada"}
    results = apply_events(
        ledger.engine,
        [
            ItemClaimed(queue="mtm.affald", at=_at(1), **common),
            ItemReleased(queue="mtm.affald", at=_at(2), **common),
            ItemClaimed(queue="mtm.affald", at=_at(3), **common),
            ItemTransferred(
                queue="mtm.affald", to_queue="mtm.miljoe", reason="rotter", at=_at(4), **common
            ),
            ItemResolved(queue="mtm.miljoe", outcome="Rottefænger sendt", at=_at(5), **common),
        ],
    )
    assert all(r.applied for r in results)
    item = _item(ledger, queued.id)
    assert (item.queue, item.state, item.transfers, item.outcome) == (
        "mtm.miljoe",
        "resolved",
        1,
        "Rottefænger sendt",
    )
    assert item.claimed_by is None  # a transfer hands the item to the new queue, unclaimed


@pytest.mark.parametrize(
    ("before", "event", "code", "note"),
    [
        ([ItemClaimed], ItemClaimed, "claimed", "claimed by ada already"),
        ([], ItemReleased, "not_claimed", "the item is not claimed"),
        ([ItemResolved], ItemClaimed, "resolved", "resolved already"),
        ([ItemResolved], ItemTransferred, "resolved", "resolved already"),
        ([ItemResolved], ItemResolved, "resolved", "resolved already"),
    ],
)
def test_an_event_that_does_not_fit_the_state_is_stored_as_not_applied(
    ledger: Ledger,
    put_on_queue: Callable[..., Queued],
    before: list[type[QueueEvent]],
    event: type[QueueEvent],
    code: str,
    note: str,
) -> None:
    queued = put_on_queue()

    def make(kind: type[QueueEvent], minute: int) -> QueueEvent:
        extra = {
            ItemTransferred: {"to_queue": "mtm.natur", "reason": "træer"},
            ItemResolved: {"outcome": "Besvaret"},
        }.get(kind, {})
        return kind(  # type: ignore[call-arg]
            inquiry_id=queued.id, queue="mtm.affald", actor="ada", at=_at(minute), **extra
        )

    apply_events(ledger.engine, [make(kind, n) for n, kind in enumerate(before)])
    state = queue_state(ledger.engine)
    [result] = apply_events(ledger.engine, [make(event, 10)])
    assert not result.applied
    assert result.refusal is not None
    assert result.refusal.code == code
    assert result.note is not None
    assert note in result.note
    assert queue_state(ledger.engine) == state
    stored = {row.event_id: row for row in _events(ledger)}[result.event_id]
    assert (stored.applied, stored.note) == (False, result.note)


def test_an_event_for_an_item_that_moved_away_is_not_applied(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue()
    apply_events(
        ledger.engine,
        [
            ItemTransferred(
                inquiry_id=queued.id, queue="mtm.affald", to_queue="mtm.natur", reason="x"
            )
        ],
    )
    [result] = apply_events(
        ledger.engine, [ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="bo")]
    )
    assert result.note == "the item is in mtm.natur now, not in mtm.affald"
    assert result.refusal == Refusal("moved", {"queue": "mtm.natur", "expected": "mtm.affald"})


def test_an_event_for_an_unknown_inquiry_is_stored_as_not_applied(ledger: Ledger) -> None:
    [result] = apply_events(
        ledger.engine, [ItemClaimed(inquiry_id="nowhere", queue="mtm.affald", actor="ada")]
    )
    assert (result.applied, result.note) == (False, "the inquiry is on no queue")
    assert [row.inquiry_id for row in _events(ledger)] == ["nowhere"]


def test_a_relabel_to_a_label_outside_the_label_space_is_not_applied(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue()
    [bad, good] = apply_events(
        ledger.engine,
        [
            ItemRelabelled(inquiry_id=queued.id, queue="mtm.affald", field="type", value="spam"),
            ItemRelabelled(inquiry_id=queued.id, queue="mtm.affald", field="urgent", value="true"),
        ],
    )
    assert not bad.applied
    assert bad.note is not None
    assert bad.note.startswith("'spam' is no type; one of omstilling, ")
    assert bad.refusal is not None
    assert (bad.refusal.code, bad.refusal.params["value"]) == ("not_a_label", "spam")
    assert good.applied


def test_applying_the_same_events_again_changes_nothing(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue()
    events: list[QueueEvent] = [
        ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="ada", at=_at(1)),
        ItemTransferred(
            inquiry_id=queued.id, queue="mtm.affald", to_queue="mtm.natur", reason="x", at=_at(2)
        ),
    ]
    first = apply_events(ledger.engine, events)
    state = queue_state(ledger.engine)
    again = apply_events(ledger.engine, [queued.enqueued, *events])
    assert all(r.duplicate for r in again)
    assert [r.applied for r in again[1:]] == [r.applied for r in first]
    assert queue_state(ledger.engine) == state
    assert _item(ledger, queued.id).transfers == 1
    assert len(_events(ledger)) == 3


def test_an_enqueued_event_confirms_the_item_the_worker_recorded(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue(project=False)
    before = queue_state(ledger.engine)
    [result] = apply_events(ledger.engine, [queued.enqueued])
    assert result.applied
    assert queue_state(ledger.engine) == before


def test_an_event_naming_an_over_long_actor_is_refused_before_touching_the_ledger(
    ledger: Ledger,
) -> None:
    event = ItemClaimed(inquiry_id="x", queue="mtm.affald", actor="a" * 65)
    with pytest.raises(PayloadError, match="actor longer than 64 characters"):
        apply_events(ledger.engine, [event])
    assert _events(ledger) == []


def test_unreadable_messages_come_back_as_dead_letters_and_the_rest_is_applied(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue()
    claim = ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="ada")
    messages = [
        RawMessage("q", 0, 7, b"k", b"{not json"),
        RawMessage("q", 0, 8, queued.id.encode(), encode("queue_event", claim)),
    ]
    [dead] = project_messages(ledger.engine, messages)
    assert (dead.offset, dead.payload) == (7, "{not json")
    assert "not JSON" in dead.reason
    assert _item(ledger, queued.id).state == "claimed"


def test_rebuilding_from_the_events_gives_the_live_state(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    a, b, c = (put_on_queue(project=False) for _ in range(3))
    events: list[QueueEvent] = [
        a.enqueued,
        b.enqueued,
        c.enqueued,
        ItemClaimed(inquiry_id=a.id, queue="mtm.affald", actor="ada", at=_at(1)),
        ItemClaimed(inquiry_id=a.id, queue="mtm.affald", actor="bo", at=_at(2)),  # refused
        ItemTransferred(
            inquiry_id=b.id, queue="mtm.affald", to_queue="mkb.generel", reason="x", at=_at(3)
        ),
        ItemRelabelled(inquiry_id=b.id, queue="mkb.generel", field="complexity", value="hoej"),
        ItemResolved(inquiry_id=a.id, queue="mtm.affald", actor="ada", outcome="ok", at=_at(4)),
        ItemClaimed(inquiry_id=c.id, queue="mtm.affald", actor="bo", at=_at(5)),
        ItemReleased(inquiry_id=c.id, queue="mtm.affald", actor="bo", at=_at(6)),
    ]
    live = apply_events(ledger.engine, events)
    live_state = queue_state(ledger.engine)
    live_trail = sorted((r.event_id, r.applied, r.note) for r in _events(ledger))
    with ledger.engine.begin() as connection:  # a projection gone wrong
        connection.execute(
            update(QueueItemRow).values(
                state="claimed", claimed_by="x", transfers=9, queue="ba.erhverv"
            )
        )
    replayed = rebuild(engine=ledger.engine, events=events)
    assert not any(r.duplicate for r in replayed)
    assert queue_state(ledger.engine) == live_state
    assert [(r.applied, r.note) for r in replayed] == [(r.applied, r.note) for r in live]
    assert sorted((r.event_id, r.applied, r.note) for r in _events(ledger)) == live_trail
    assert sum(not r.applied for r in live) == 1


def test_rebuilding_from_no_events_puts_every_item_back_where_the_router_put_it(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue()
    apply_events(
        ledger.engine,
        [
            ItemTransferred(
                inquiry_id=queued.id, queue="mtm.affald", to_queue="mtm.natur", reason="x"
            )
        ],
    )
    rebuild(engine=ledger.engine, events=[])
    item = _item(ledger, queued.id)
    assert (item.queue, item.state, item.transfers, item.updated_at) == (
        "mtm.affald",
        "open",
        0,
        None,
    )
    assert _events(ledger) == []


def test_projecting_a_worker_batch_records_each_event_once_as_applying_it_would(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue(project=False)
    claim = ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="ada", at=_at(1))
    apply_events(ledger.engine, [claim])  # the dashboard applies its own events first
    stray = queued.enqueued.model_copy(update={"event_id": "x:enqueued", "inquiry_id": "x"})
    release = ItemReleased(inquiry_id=queued.id, queue="mtm.affald", actor="ada", at=_at(2))
    batch = [queued.enqueued, claim, queued.enqueued, stray, release]
    messages = [
        RawMessage("q", 0, n, e.inquiry_id.encode(), encode("queue_event", e))
        for n, e in enumerate(batch)
    ]
    assert project_messages(ledger.engine, messages) == []
    recorded = {row.event_id: (row.applied, row.note) for row in _events(ledger)}
    assert recorded == {
        queued.enqueued.event_id: (True, None),
        claim.event_id: (True, None),
        stray.event_id: (False, "the inquiry is not in this ledger"),
        release.event_id: (True, None),
    }
    assert _item(ledger, queued.id).state == "open"
