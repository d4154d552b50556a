"""The dashboard's read model: ordering, who sees what, redaction and per-queue figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ledger.store import Ledger
from models.queue_events import ItemClaimed, ItemRelabelled, ItemResolved, ItemTransferred
from queues.accounts import Operator
from queues.board import QueueBoard
from queues.projection import apply_events
from tests.queues.conftest import CPR_TEXT, Queued

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _transfer(ledger: Ledger, queued: Queued, to_queue: str, *, at: datetime = NOW) -> None:
    current = queued.decision.queue
    apply_events(
        ledger.engine,
        [
            ItemTransferred(
                inquiry_id=queued.id, queue=current, to_queue=to_queue, reason="forkert", at=at
            )
        ],
    )


def test_items_come_urgent_first_then_by_priority_then_by_due_time(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    late_low = put_on_queue(priority=5, due_at=NOW + timedelta(days=3))
    early_low = put_on_queue(priority=5, due_at=NOW + timedelta(days=1))
    high = put_on_queue(priority=2, due_at=NOW + timedelta(days=9))
    urgent = put_on_queue(priority=7, urgent=True, due_at=NOW + timedelta(days=9))
    items = QueueBoard(ledger.engine).items(viewer=make_operator(department="MTM"))
    assert [i.inquiry_id for i in items] == [urgent.id, high.id, early_low.id, late_low.id]


def test_an_operator_sees_only_the_queues_of_their_department(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    ours = put_on_queue(queue="mtm.affald")
    theirs = put_on_queue(queue="mbu.tandpleje")
    board = QueueBoard(ledger.engine)
    mtm = make_operator(department="MTM")
    assert [i.inquiry_id for i in board.items(viewer=mtm)] == [ours.id]
    assert board.item(viewer=mtm, inquiry_id=theirs.id) is None
    assert [s.queue for s in board.summaries(viewer=mtm, now=NOW)] == [
        "mtm.byggeri",
        "mtm.affald",
        "mtm.veje_parkering",
        "mtm.miljoe",
        "mtm.natur",
    ]
    boss = make_operator(role="supervisor", department=None)
    assert {i.inquiry_id for i in board.items(viewer=boss)} == {ours.id, theirs.id}
    assert len(board.summaries(viewer=boss, now=NOW)) == 28


def test_a_cpr_number_never_reaches_an_operators_view(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    queued = put_on_queue(subject="Skrald, cpr 010203-1234", text=CPR_TEXT)
    board = QueueBoard(ledger.engine)
    [view] = board.items(viewer=make_operator(role="operator"))
    assert "010203-1234" not in repr(view)
    assert "87 65 43 21" not in view.text
    assert "[CPR]" in view.text
    assert view.subject == "Skrald, cpr [CPR]"
    # Once the worker's redaction is stored, that is what the operator reads.
    ledger.store_redacted(redacted={queued.id: "Hej, mit cpr-nummer er [CPR] (stored)"})
    stored = board.item(viewer=make_operator(role="operator"), inquiry_id=queued.id)
    assert stored is not None
    assert stored.text == "Hej, mit cpr-nummer er [CPR] (stored)"


def test_a_caseworker_reads_the_clear_text(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    queued = put_on_queue(text=CPR_TEXT)
    ledger.store_redacted(redacted={queued.id: "redacted"})
    view = QueueBoard(ledger.engine).item(
        viewer=make_operator(role="caseworker"), inquiry_id=queued.id
    )
    assert view is not None
    assert view.text == CPR_TEXT


def test_the_view_shows_labels_as_operators_corrected_them(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    queued = put_on_queue()
    apply_events(
        ledger.engine,
        [
            ItemRelabelled(inquiry_id=queued.id, queue="mtm.affald", field="type", value="klage"),
            ItemRelabelled(
                inquiry_id=queued.id, queue="mtm.affald", field="type", value="indberetning"
            ),
            ItemRelabelled(inquiry_id=queued.id, queue="mtm.affald", field="urgent", value="true"),
        ],
    )
    view = QueueBoard(ledger.engine).item(viewer=make_operator(), inquiry_id=queued.id)
    assert view is not None
    assert (view.type, view.urgent, view.complexity) == ("indberetning", True, "mellem")


def test_resolved_items_and_other_channels_are_left_out_unless_asked_for(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    mail = put_on_queue(channel="mail")
    phone = put_on_queue(channel="phone")
    apply_events(
        ledger.engine,
        [ItemResolved(inquiry_id=mail.id, queue="mtm.affald", actor="ada", outcome="Svaret")],
    )
    board = QueueBoard(ledger.engine)
    viewer = make_operator()
    assert [i.inquiry_id for i in board.items(viewer=viewer)] == [phone.id]
    everything = board.items(viewer=viewer, include_resolved=True, channels=["mail"])
    assert [(i.inquiry_id, i.state, i.outcome) for i in everything] == [
        (mail.id, "resolved", "Svaret")
    ]
    assert board.items(viewer=viewer, queues=["mtm.natur"]) == []


def test_misrouted_counts_recent_arrivals_the_router_sent_that_were_moved_out(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    recent = [put_on_queue(decided_at=NOW - timedelta(days=d)) for d in (1, 2, 3)]
    old = put_on_queue(decided_at=NOW - timedelta(days=8))
    came_in = put_on_queue(queue="mtm.natur", decided_at=NOW - timedelta(days=1))
    _transfer(ledger, recent[0], "mtm.miljoe")
    _transfer(ledger, old, "mtm.miljoe")
    _transfer(ledger, came_in, "mtm.affald")
    summaries = {
        s.queue: s
        for s in QueueBoard(ledger.engine).summaries(
            viewer=make_operator(department="MTM"), now=NOW
        )
    }
    affald, natur = summaries["mtm.affald"], summaries["mtm.natur"]
    assert (affald.arrivals_7d, affald.misrouted_7d) == (3, 1)
    assert (natur.arrivals_7d, natur.misrouted_7d) == (1, 1)
    assert (summaries["mtm.miljoe"].arrivals_7d, summaries["mtm.miljoe"].depth) == (0, 2)


def test_a_summary_counts_depth_claims_age_and_what_is_past_due(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    two_hours_ago = NOW - timedelta(hours=2)
    overdue = put_on_queue(
        due_at=NOW - timedelta(hours=1), received_at=two_hours_ago, queued_at=two_hours_ago
    )
    put_on_queue(due_at=NOW + timedelta(hours=1), received_at=NOW, queued_at=NOW)
    apply_events(
        ledger.engine, [ItemClaimed(inquiry_id=overdue.id, queue="mtm.affald", actor="ada")]
    )
    board = QueueBoard(ledger.engine)
    [affald] = [
        s for s in board.summaries(viewer=make_operator(), now=NOW) if s.queue == "mtm.affald"
    ]
    assert (affald.depth, affald.claimed, affald.past_due, affald.oldest_age_s) == (2, 1, 1, 7200)
    later = [s for s in board.summaries(viewer=make_operator(), now=NOW + timedelta(hours=2))]
    [affald_later] = [s for s in later if s.queue == "mtm.affald"]
    assert affald_later.oldest_age_s == 4 * 3600
    [natur] = [s for s in later if s.queue == "mtm.natur"]
    assert (natur.depth, natur.oldest_age_s) == (0, None)


def test_the_oldest_age_counts_from_when_the_citizen_wrote_not_when_the_item_was_queued(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    # Mail taken in after an outage: written 3 hours ago, routed and queued only 1 hour ago.
    put_on_queue(received_at=NOW - timedelta(hours=3), queued_at=NOW - timedelta(hours=1))
    # Queued before it, but written after it: not the one that has waited longest.
    put_on_queue(received_at=NOW - timedelta(hours=2), queued_at=NOW - timedelta(hours=2))
    summaries = QueueBoard(ledger.engine).summaries(viewer=make_operator(), now=NOW)
    [affald] = [s for s in summaries if s.queue == "mtm.affald"]
    assert affald.oldest_age_s == 3 * 3600


def test_a_transferred_item_keeps_its_age_in_the_queue_it_moved_to(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    queued = put_on_queue(received_at=NOW - timedelta(hours=3), queued_at=NOW - timedelta(hours=1))
    _transfer(ledger, queued, "mtm.miljoe")
    summaries = QueueBoard(ledger.engine).summaries(viewer=make_operator(), now=NOW)
    [miljoe] = [s for s in summaries if s.queue == "mtm.miljoe"]
    assert (miljoe.depth, miljoe.oldest_age_s) == (1, 3 * 3600)


def test_an_item_carries_when_the_citizen_wrote_and_when_it_was_queued(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    queued = put_on_queue(received_at=NOW - timedelta(hours=3), queued_at=NOW - timedelta(hours=1))
    view = QueueBoard(ledger.engine).item(viewer=make_operator(), inquiry_id=queued.id)
    assert view is not None
    assert (view.received_at, view.created_at) == (
        NOW - timedelta(hours=3),
        NOW - timedelta(hours=1),
    )


def test_the_change_token_changes_with_what_the_viewer_sees_and_only_then(
    ledger: Ledger, put_on_queue: Callable[..., Queued], make_operator: Callable[..., Operator]
) -> None:
    board = QueueBoard(ledger.engine)
    mtm = make_operator(department="MTM")
    empty = board.change_token(viewer=mtm)
    queued = put_on_queue()
    arrived = board.change_token(viewer=mtm)
    assert arrived != empty
    put_on_queue(queue="mbu.tandpleje")
    assert board.change_token(viewer=mtm) == arrived
    apply_events(
        ledger.engine,
        [ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="ada", at=NOW)],
    )
    claimed = board.change_token(viewer=mtm)
    assert claimed != arrived
    # A correction stamped earlier than the last change (another host's clock) still shows.
    apply_events(
        ledger.engine,
        [
            ItemRelabelled(
                inquiry_id=queued.id,
                queue="mtm.affald",
                field="complexity",
                value="hoej",
                at=NOW - timedelta(hours=1),
            )
        ],
    )
    assert board.change_token(viewer=mtm) != claimed
