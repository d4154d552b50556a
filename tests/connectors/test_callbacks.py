"""Decision callbacks: signed like requests, retried with backoff, parked on a dead-letter topic."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from pydantic import SecretStr

from config.catalogue import Catalogue
from config.settings import BotClient, load_settings
from connectors.callbacks import CallbackSender
from connectors.http_api import create_api
from ledger.callbacks import Callbacks
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.classification import Classification
from models.wire import decode
from router.policy import decide
from streams.citizen_keys import CitizenKeys
from streams.embedded_broker import EmbeddedBroker, free_port
from streams.intake import Intake
from streams.metrics import Metrics, create_metrics
from streams.producer import Producer
from streams.topics import Topics, ensure_topics
from tests.connectors.webhook_support import (
    CallbackReceiver,
    callback_receiver,
    post_signed,
    serve,
)
from tests.processes import RunningEngine, start_engine, wait_until

pytestmark = [pytest.mark.broker]

SECRET = "callback-bot-secret"
ATTEMPTS = 3


@dataclass
class Setup:
    """The API with a callback client, its receiver, ledger, metrics and broker."""

    url: str
    ledger: Ledger
    metrics: Metrics
    receiver: CallbackReceiver
    servers: str
    topics: Topics

    def callback_count(self, name: str, **labels: str) -> float:
        """A callback metric's value."""
        return self.metrics.registry.get_sample_value(name, labels) or 0.0


def _setup(
    database_url: str, broker: EmbeddedBroker, catalogue: Catalogue, fail_first: int
) -> Iterator[Setup]:
    settings = load_settings(kafka_bootstrap_servers=broker.bootstrap_servers)
    topics = Topics.for_settings(settings)
    asyncio.run(ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=settings))
    engine = make_engine(database_url)
    upgrade(engine)
    ledger = Ledger(engine)
    metrics = create_metrics()
    with callback_receiver(secret=SECRET, fail_first=fail_first) as receiver:
        client = BotClient(id="callback-bot", secret=SecretStr(SECRET), callback_url=receiver.url)
        producer = Producer(bootstrap_servers=broker.bootstrap_servers)
        intake = Intake(
            ledger=ledger,
            producer=producer,
            topic=topics.inquiries,
            citizen_keys=CitizenKeys(secret=b"test-citizen-key"),
        )
        sender = CallbackSender(
            callbacks=Callbacks(engine),
            clients=[client],
            catalogue=catalogue,
            producer=producer,
            dead_letter_topic=topics.callback_dead_letters,
            attempts=ATTEMPTS,
            backoff_s=0.05,
            metrics=metrics,
            timeout_s=5.0,
            interval_s=0.05,
        )
        app = create_api(
            intake=intake,
            max_body_bytes=8_192,
            redelivery_after_s=3_600,
            redelivery_interval_s=3_600,
            bot_clients=[client],
            metrics=metrics,
            catalogue=catalogue,
            callback_sender=sender,
        )
        with serve(app) as url:
            wait_until(lambda: producer.started, timeout_s=20, what="the producer")
            yield Setup(url, ledger, metrics, receiver, broker.bootstrap_servers, topics)
    engine.dispose()


@pytest.fixture
def accepting(database_url: str, broker: EmbeddedBroker, catalogue: Catalogue) -> Iterator[Setup]:
    """A receiver that accepts every callback."""
    yield from _setup(database_url, broker, catalogue, fail_first=0)


@pytest.fixture
def failing(database_url: str, broker: EmbeddedBroker, catalogue: Catalogue) -> Iterator[Setup]:
    """A receiver that answers 500 to every callback."""
    yield from _setup(database_url, broker, catalogue, fail_first=1_000)


@pytest.fixture
def decide_in_ledger(
    catalogue: Catalogue, make_classification: Callable[..., Classification]
) -> Callable[[Ledger, str], None]:
    """Decide an accepted inquiry in the ledger, as the worker does."""

    def record(ledger: Ledger, inquiry_id: str) -> None:
        inquiry = next(i for i in ledger.recorded_inquiries() if i.id == inquiry_id)
        decision = decide(
            inquiry=inquiry,
            classification=make_classification(service_area="mtm.miljoe", type="indberetning"),
            catalogue=catalogue,
            now=inquiry.received_at,
        )
        ledger.record_decisions(decided=[(inquiry, decision)])

    return record


def _post_async(setup: Setup, inquiry_id: str) -> None:
    response = post_signed(
        f"{setup.url}/v1/inquiries",
        {"id": inquiry_id, "channel": "chat", "text": "Der er rotter i gården"},
        client_id="callback-bot",
        secret=SECRET,
    )
    assert response.status_code == 202, response.text


def test_a_decided_inquiry_is_delivered_to_the_callback_url_signed_with_the_clients_secret(
    accepting: Setup, decide_in_ledger: Callable[[Ledger, str], None]
) -> None:
    _post_async(accepting, "cb-1")
    assert Callbacks(accepting.ledger.engine).status(inquiry_id="cb-1") is not None
    decide_in_ledger(accepting.ledger, "cb-1")
    wait_until(lambda: accepting.receiver.delivered(), timeout_s=20, what="the callback")
    delivery = accepting.receiver.delivered()[0]
    assert delivery.signature_ok and delivery.client_id == "callback-bot"
    assert delivery.body["id"] == "cb-1" and delivery.body["attempt"] == 1
    assert delivery.body["decision"]["queue"] == "mtm.miljoe"
    assert delivery.body["reply"]["transfer"]["queue"] == "mtm.miljoe"
    wait_until(
        lambda: (
            (s := Callbacks(accepting.ledger.engine).status(inquiry_id="cb-1")) is not None
            and s.state == "delivered"
        ),
        timeout_s=10,
        what="the callback marked delivered",
    )
    assert (
        accepting.callback_count(
            "indgang_callbacks_total", client="callback-bot", outcome="delivered"
        )
        == 1
    )


def test_no_callback_is_sent_before_the_decision(accepting: Setup) -> None:
    _post_async(accepting, "cb-undecided")
    status = Callbacks(accepting.ledger.engine).status(inquiry_id="cb-undecided")
    assert status is not None and status.state == "pending" and status.attempts == 0
    assert accepting.receiver.deliveries == []


def test_a_failing_receiver_gets_retries_then_the_callback_is_parked_and_counted(
    failing: Setup, decide_in_ledger: Callable[[Ledger, str], None]
) -> None:
    _post_async(failing, "cb-2")
    decide_in_ledger(failing.ledger, "cb-2")
    callbacks = Callbacks(failing.ledger.engine)
    wait_until(
        lambda: (s := callbacks.status(inquiry_id="cb-2")) is not None and s.state == "failed",
        timeout_s=30,
        what="the callback to be parked",
    )
    attempts = failing.receiver.deliveries
    assert [d.body["attempt"] for d in attempts] == list(range(1, ATTEMPTS + 1))
    assert all(d.signature_ok for d in attempts)
    status = callbacks.status(inquiry_id="cb-2")
    assert status is not None and status.attempts == ATTEMPTS
    assert status.last_error == "receiver answered 500"
    assert failing.callback_count("indgang_callback_failures_total", client="callback-bot") == 1
    assert (
        failing.callback_count("indgang_callbacks_total", client="callback-bot", outcome="retry")
        == ATTEMPTS - 1
    )

    letters = asyncio.run(_read_all(failing.servers, failing.topics.callback_dead_letters))
    assert len(letters) == 1
    letter = letters[0]
    assert letter.key == "cb-2"
    assert letter.reason == "callback failed after 3 attempts: receiver answered 500"
    assert letter.detail == {
        "client": "callback-bot",
        "url": failing.receiver.url,
        "attempts": ATTEMPTS,
    }
    assert json.loads(letter.payload)["decision"]["inquiry_id"] == "cb-2"


async def _read_all(servers: str, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=servers, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        found: list[Any] = []
        for _ in range(20):
            batches = await consumer.getmany(timeout_ms=500)
            found += [decode("dead_letter", m.value) for ms in batches.values() for m in ms]
            if found:
                break
        return found
    finally:
        await consumer.stop()


@pytest.mark.slow
def test_a_running_engine_calls_back_a_registered_client_with_the_workers_decision(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with callback_receiver(secret=SECRET) as receiver:
        clients = [{"id": "callback-bot", "secret": SECRET, "callback_url": receiver.url}]
        running: RunningEngine = start_engine(
            tmp_path_factory.mktemp("callbacks"),
            free_port(),
            INDGANG_BOT_CLIENTS=json.dumps(clients),
        )
        try:
            response = running.post_signed(
                "/v1/inquiries",
                {"id": "e2e-cb-1", "channel": "chat", "text": "hvornår henter I storskrald"},
            )
            assert response.status_code == 401  # local-dev is not configured here any more
            body = {"id": "e2e-cb-1", "channel": "chat", "text": "hvornår henter I storskrald"}
            response = post_signed(
                f"{running.base_url}/v1/inquiries", body, client_id="callback-bot", secret=SECRET
            )
            assert response.status_code == 202, response.text
            wait_until(lambda: receiver.delivered(), timeout_s=60, what="the engine's callback")
        finally:
            running.stop()
    delivery = receiver.delivered()[0]
    assert delivery.signature_ok
    assert delivery.body["id"] == "e2e-cb-1"
    assert delivery.body["decision"]["action"] in ("resolve", "queue")
