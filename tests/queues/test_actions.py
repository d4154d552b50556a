"""Operators' actions: checked, on Kafka first, then applied; corrections go out redacted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import Engine, update

from config.settings import load_settings
from ledger.schema import QueueItemRow
from ledger.store import Ledger
from models.errors import ActionRefused, BrokerError
from models.feedback import decode_correction
from models.queue_events import ItemClaimed, ItemResolved
from models.wire import decode, encode
from queues.accounts import Operator
from queues.actions import QueueActions
from queues.board import QueueBoard
from queues.projection import apply_events, rebuild
from queues.topic_reader import read_queue_events
from streams.embedded_broker import EmbeddedBroker
from streams.metrics import create_metrics
from streams.producer import Producer
from streams.topics import Topics, ensure_topics
from tests.queues.conftest import CPR_TEXT, Queued, queue_state

TOPICS = Topics.for_settings(load_settings())


class StateAtPublish(Producer):
    """The real producer, noting the item's state in the ledger the moment Kafka has the event."""

    def __init__(self, *, bootstrap_servers: str, board: QueueBoard, viewer: Operator) -> None:
        super().__init__(bootstrap_servers=bootstrap_servers)
        self.board, self.viewer = board, viewer
        self.seen: list[tuple[str, str | None]] = []

    async def publish(self, *, topic: str, messages: Sequence[tuple[str, bytes]]) -> None:
        await super().publish(topic=topic, messages=messages)
        for key, _ in messages:
            item = self.board.item(viewer=self.viewer, inquiry_id=key, anywhere=True)
            self.seen.append((topic, item.state if item else None))


class OvertakenAtPublish(Producer):
    """The real producer; while our event is on its way, another person's claim is applied."""

    def __init__(self, *, bootstrap_servers: str, engine: Engine, rival: str) -> None:
        super().__init__(bootstrap_servers=bootstrap_servers)
        self.engine, self.rival = engine, rival

    async def publish(self, *, topic: str, messages: Sequence[tuple[str, bytes]]) -> None:
        await super().publish(topic=topic, messages=messages)
        for key, _ in messages:
            apply_events(
                self.engine, [ItemClaimed(inquiry_id=key, queue="mtm.affald", actor=self.rival)]
            )


async def _consume(bootstrap: str, topic: str, want: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    got: list[bytes] = []
    try:
        async with asyncio.timeout(60):
            while len(got) < want:
                batch = await consumer.getmany(timeout_ms=500)
                got += [m.value for records in batch.values() for m in records]
    finally:
        await consumer.stop()
    return got


@pytest.fixture
async def producer(broker: EmbeddedBroker) -> AsyncIterator[Producer]:
    """A connected producer on the test broker, with Indgang's topics created."""
    await ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=load_settings())
    running = Producer(bootstrap_servers=broker.bootstrap_servers)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def offline(ledger: Ledger) -> QueueActions:
    """Actions whose producer never connected: any action that gets as far as Kafka fails."""
    return QueueActions(
        engine=ledger.engine, producer=Producer(bootstrap_servers="127.0.0.1:1"), topics=TOPICS
    )


@pytest.mark.broker
async def test_a_claim_is_on_the_topic_before_the_ledger_changes(
    ledger: Ledger,
    broker: EmbeddedBroker,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
) -> None:
    await ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=load_settings())
    queued = put_on_queue()
    ada = make_operator(username="ada")
    spy = StateAtPublish(
        bootstrap_servers=broker.bootstrap_servers, board=QueueBoard(ledger.engine), viewer=ada
    )
    await spy.start()
    try:
        actions = QueueActions(engine=ledger.engine, producer=spy, topics=TOPICS)
        view = await actions.claim(operator=ada, inquiry_id=queued.id)
    finally:
        await spy.stop()
    assert spy.seen == [(TOPICS.queue_events, "open")]
    assert (view.state, view.claimed_by) == ("claimed", "ada")
    [raw] = await _consume(broker.bootstrap_servers, TOPICS.queue_events, 1)
    event = decode("queue_event", raw)
    assert (event.kind, event.inquiry_id, event.actor) == ("claimed", queued.id, "ada")


@pytest.mark.broker
async def test_an_action_overtaken_in_the_ledger_is_refused_with_the_projections_reason(
    ledger: Ledger,
    broker: EmbeddedBroker,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
) -> None:
    await ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=load_settings())
    queued = put_on_queue()
    racing = OvertakenAtPublish(
        bootstrap_servers=broker.bootstrap_servers, engine=ledger.engine, rival="ada"
    )
    await racing.start()
    try:
        actions = QueueActions(engine=ledger.engine, producer=racing, topics=TOPICS)
        with pytest.raises(ActionRefused, match="claimed by ada already") as refused:
            await actions.claim(operator=make_operator(username="bo"), inquiry_id=queued.id)
    finally:
        await racing.stop()
    assert (refused.value.code, dict(refused.value.params)) == ("claimed", {"who": "ada"})


async def test_without_kafka_an_action_fails_and_changes_nothing(
    ledger: Ledger,
    offline: QueueActions,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
) -> None:
    queued = put_on_queue()
    before = queue_state(ledger.engine)
    with pytest.raises(BrokerError, match="producer is not connected"):
        await offline.claim(operator=make_operator(), inquiry_id=queued.id)
    assert queue_state(ledger.engine) == before


@pytest.mark.broker
async def test_a_transfer_sends_a_redacted_correction_naming_only_the_role(
    ledger: Ledger,
    producer: Producer,
    broker: EmbeddedBroker,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
) -> None:
    queued = put_on_queue(queue="mtm.affald", text=CPR_TEXT, subject="Fra 010203-1234")
    metrics = create_metrics()
    actions = QueueActions(engine=ledger.engine, producer=producer, topics=TOPICS, metrics=metrics)
    ada = make_operator(username="ada.secret", role="caseworker", department="MTM")
    view = await actions.transfer(
        operator=ada, inquiry_id=queued.id, to_queue="mbu.tandpleje", reason="tandlæge, 87654321"
    )
    # Moved out of Ada's department, and she still gets to see where it went.
    assert (view.queue, view.state, view.transfers) == ("mbu.tandpleje", "open", 1)
    assert QueueBoard(ledger.engine).item(viewer=ada, inquiry_id=queued.id) is None
    [raw] = await _consume(broker.bootstrap_servers, TOPICS.feedback, 1)
    for secret in (b"010203-1234", b"87 65 43 21", b"87654321", b"ada.secret"):
        assert secret not in raw
    correction = decode_correction(raw)
    assert (correction.field, correction.old, correction.new) == (
        "service_area",
        "mtm.affald",
        "mbu.tandpleje",
    )
    assert correction.actor_role == "caseworker"
    assert "[CPR]" in correction.text_redacted
    assert correction.subject_redacted == "Fra [CPR]"
    assert correction.reason == "tandlæge, [TELEFON]"
    registry = metrics.registry
    assert (
        registry.get_sample_value("indgang_transfers_total", {"from_service_area": "mtm.affald"})
        == 1
    )
    assert (
        registry.get_sample_value("indgang_operator_actions_total", {"action": "transferred"}) == 1
    )


@pytest.mark.broker
async def test_a_relabel_is_a_correction_too(
    ledger: Ledger,
    producer: Producer,
    broker: EmbeddedBroker,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
) -> None:
    queued = put_on_queue()
    actions = QueueActions(engine=ledger.engine, producer=producer, topics=TOPICS)
    view = await actions.relabel(
        operator=make_operator(), inquiry_id=queued.id, field="urgent", value="True"
    )
    assert view.urgent
    [raw] = await _consume(broker.bootstrap_servers, TOPICS.feedback, 1)
    correction = decode_correction(raw)
    assert (correction.field, correction.old, correction.new) == ("urgent", "false", "true")
    assert correction.reason is None


@pytest.mark.parametrize(
    ("who", "setup", "action", "code", "reason"),
    [
        (
            {"department": "MBU"},
            None,
            ("claim", {}),
            "not_found",
            "no such item in a queue you can see",
        ),
        ({}, "claimed", ("claim", {}), "claimed", "claimed by bo already"),
        ({}, None, ("release", {}), "not_claimed", "not claimed, so there is nothing to release"),
        (
            {},
            "claimed",
            ("release", {}),
            "claimed_by_another",
            "only they or a supervisor may release it",
        ),
        (
            {},
            "claimed",
            ("resolve", {"outcome": "ok"}),
            "claimed_by_another",
            "only they or a supervisor may resolve",
        ),
        ({}, None, ("resolve", {"outcome": "  "}), "outcome_missing", "an outcome is needed"),
        (
            {},
            None,
            ("resolve", {"outcome": "x" * 201}),
            "outcome_too_long",
            "at most 200 characters",
        ),
        (
            {},
            None,
            ("transfer", {"to_queue": "mtm.affald", "reason": "x"}),
            "same_queue",
            "in mtm.affald already",
        ),
        (
            {},
            None,
            ("transfer", {"to_queue": "mtm.natur", "reason": ""}),
            "reason_missing",
            "a reason is needed",
        ),
        (
            {},
            None,
            ("transfer", {"to_queue": "mtm.nowhere", "reason": "x"}),
            "no_queue",
            "is no queue",
        ),
        (
            {},
            None,
            ("relabel", {"field": "type", "value": "spam"}),
            "not_a_label",
            "'spam' is no type",
        ),
        (
            {},
            None,
            ("relabel", {"field": "type", "value": "klage"}),
            "same_label",
            "type is klage already",
        ),
        (
            {},
            "resolved",
            ("transfer", {"to_queue": "mtm.natur", "reason": "x"}),
            "resolved_stays",
            "is resolved",
        ),
    ],
)
async def test_an_action_that_is_not_allowed_is_refused_before_anything_is_published(
    ledger: Ledger,
    offline: QueueActions,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
    who: dict[str, str],
    setup: str | None,
    action: tuple[str, dict[str, str]],
    code: str,
    reason: str,
) -> None:
    queued = put_on_queue(queue="mtm.affald")
    if setup == "claimed":
        apply_events(
            ledger.engine, [ItemClaimed(inquiry_id=queued.id, queue="mtm.affald", actor="bo")]
        )
    elif setup == "resolved":
        apply_events(
            ledger.engine,
            [ItemResolved(inquiry_id=queued.id, queue="mtm.affald", actor="bo", outcome="ok")],
        )
    name, arguments = action
    with pytest.raises(ActionRefused, match=reason) as refused:
        await getattr(offline, name)(
            operator=make_operator(**who), inquiry_id=queued.id, **arguments
        )
    assert refused.value.code == code


@pytest.mark.broker
async def test_a_supervisor_may_release_what_someone_else_claimed(
    ledger: Ledger,
    producer: Producer,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
) -> None:
    queued = put_on_queue()
    actions = QueueActions(engine=ledger.engine, producer=producer, topics=TOPICS)
    await actions.claim(operator=make_operator(username="bo"), inquiry_id=queued.id)
    boss = make_operator(username="boss", role="supervisor", department=None)
    view = await actions.release(operator=boss, inquiry_id=queued.id)
    assert (view.state, view.claimed_by) == ("open", None)


@pytest.mark.broker
async def test_replaying_the_topic_rebuilds_the_state_the_actions_made(
    ledger: Ledger,
    producer: Producer,
    broker: EmbeddedBroker,
    put_on_queue: Callable[..., Queued],
    make_operator: Callable[..., Operator],
) -> None:
    items = [put_on_queue(queue="mtm.affald") for _ in range(4)]
    # What the worker publishes when it queues an inquiry.
    await producer.publish(
        topic=TOPICS.queue_events,
        messages=[(q.id, encode("queue_event", q.enqueued)) for q in items],
    )
    actions = QueueActions(engine=ledger.engine, producer=producer, topics=TOPICS)
    ada, bo = make_operator(username="ada"), make_operator(username="bo")
    a, b, c, _ = (q.id for q in items)
    await actions.claim(operator=ada, inquiry_id=a)
    await actions.resolve(operator=ada, inquiry_id=a, outcome="Afhentning bestilt")
    await actions.claim(operator=bo, inquiry_id=b)
    await actions.transfer(operator=bo, inquiry_id=b, to_queue="mkb.opkraevning", reason="regning")
    await actions.relabel(operator=ada, inquiry_id=c, field="complexity", value="hoej")
    await actions.claim(operator=ada, inquiry_id=c)
    live = queue_state(ledger.engine)
    with ledger.engine.begin() as connection:  # the projection lost: every item back to open
        connection.execute(update(QueueItemRow).values(state="open", claimed_by=None))

    read = await read_queue_events(
        bootstrap_servers=broker.bootstrap_servers, topic=TOPICS.queue_events
    )
    assert (len(read.events), read.unreadable) == (10, 0)
    results = await asyncio.to_thread(rebuild, engine=ledger.engine, events=read.events)
    assert all(r.applied and not r.duplicate for r in results)
    assert queue_state(ledger.engine) == live
