"""Phone call events: a transcript becomes an inquiry, a hang-up is recorded, nothing is lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from config.catalogue import Catalogue
from config.settings import DEV_BOT_SECRET, BotClient
from connectors.calls import ABANDONED_TEXT, call_inquiry_id
from connectors.http_api import create_api
from ledger.calls import Calls
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.classification import Classification
from models.decision import RoutingDecision
from router.policy import decide
from streams.citizen_keys import CitizenKeys
from streams.embedded_broker import free_port
from streams.intake import Intake
from streams.metrics import create_metrics
from streams.producer import Producer
from tests.connectors.webhook_support import post_signed, serve, until_routing
from tests.processes import RunningEngine, start_engine

TRANSCRIPT = "øh ja hej jeg vil gerne høre om min søns tandlæge tid kan flyttes"


@pytest.fixture
def api(database_url: str, catalogue: Catalogue) -> Iterator[tuple[str, Ledger]]:
    """The API on a migrated ledger with no broker connected: nothing decides unless a test does."""
    engine = make_engine(database_url)
    upgrade(engine)
    ledger = Ledger(engine)
    intake = Intake(
        ledger=ledger,
        producer=Producer(bootstrap_servers="127.0.0.1:9"),
        topic="unused",
        citizen_keys=CitizenKeys(secret=b"test-citizen-key"),
    )
    app = create_api(
        intake=intake,
        max_body_bytes=8_192,
        redelivery_after_s=3_600,
        redelivery_interval_s=3_600,
        bot_clients=[BotClient(id="local-dev", secret=SecretStr(DEV_BOT_SECRET))],
        metrics=create_metrics(),
        catalogue=catalogue,
    )
    with serve(app) as url:
        yield url, ledger
    engine.dispose()


@pytest.fixture
def record_decision(
    catalogue: Catalogue, make_classification: Callable[..., Classification]
) -> Callable[[Ledger, str], RoutingDecision]:
    """Decide an accepted inquiry in the ledger as the worker would: a queue decision."""

    def record(ledger: Ledger, inquiry_id: str) -> RoutingDecision:
        inquiry = next(i for i in ledger.recorded_inquiries() if i.id == inquiry_id)
        classification = make_classification(service_area="mbu.tandpleje", type="sagsstatus")
        decision = decide(
            inquiry=inquiry,
            classification=classification,
            catalogue=catalogue,
            now=inquiry.received_at,
        )
        return ledger.record_decisions(decided=[(inquiry, decision)])[0]

    return record


def _event(url: str, call_id: str, event: dict[str, Any], **headers: str) -> httpx.Response:
    return post_signed(f"{url}/v1/calls/{call_id}/events", event, headers=headers)


def test_a_transcript_becomes_a_phone_inquiry_named_after_the_call(
    api: tuple[str, Ledger],
) -> None:
    url, ledger = api
    started = _event(url, "call-1", {"type": "started", "caller": "+45 86 12 34 56"})
    transcript = _event(
        url, "call-1", {"type": "transcript", "text": TRANSCRIPT, "caller": "+45 86 12 34 56"}
    )
    assert (started.status_code, transcript.status_code) == (200, 202)
    state = transcript.json()
    assert state["inquiry_id"] == "call:local-dev:call-1"
    assert state["receipt"]["id"] == "call:local-dev:call-1"
    inquiry = next(i for i in ledger.recorded_inquiries() if i.id == state["inquiry_id"])
    assert inquiry.channel == "phone" and inquiry.text == TRANSCRIPT
    assert inquiry.citizen_key is not None
    assert "86 12 34 56" not in inquiry.model_dump_json()


def test_a_call_event_timed_ahead_of_our_clock_is_refused_422_naming_the_field(
    api: tuple[str, Ledger],
) -> None:
    url, ledger = api
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = _event(url, "call-ahead", {"type": "transcript", "text": TRANSCRIPT, "at": ahead})
    assert response.status_code == 422
    assert (
        "transcript.at: is more than 300 s ahead of the server's clock"
        in (response.json()["error"])
    )
    assert ledger.counts()["inquiries"] == 0


def test_a_retried_transcript_is_the_same_inquiry_and_another_text_is_refused(
    api: tuple[str, Ledger],
) -> None:
    url, ledger = api
    event = {"type": "transcript", "text": TRANSCRIPT}
    first = _event(url, "call-2", event)
    retry = _event(url, "call-2", event)
    other = _event(url, "call-2", {"type": "transcript", "text": "noget helt andet"})
    assert (first.status_code, retry.status_code, other.status_code) == (202, 200, 422)
    assert retry.json()["receipt"]["duplicate"] is True
    assert "different body" in other.json()["error"]
    assert ledger.counts()["inquiries"] == 1


def test_a_hang_up_before_the_decision_is_recorded_and_the_inquiry_is_still_decided(
    api: tuple[str, Ledger], record_decision: Callable[[Ledger, str], RoutingDecision]
) -> None:
    url, ledger = api
    _event(url, "call-3", {"type": "started"})
    assert _event(url, "call-3", {"type": "transcript", "text": TRANSCRIPT}).status_code == 202
    hung_up = _event(url, "call-3", {"type": "hung_up"})
    assert hung_up.status_code == 200
    assert hung_up.json()["hung_up_before_decision"] is True
    assert hung_up.json()["abandoned"] is False

    record_decision(ledger, "call:local-dev:call-3")
    status = ledger.status(inquiry_id="call:local-dev:call-3")
    assert status is not None and status.status == "decided"
    call = Calls(ledger.engine).get(client_id="local-dev", call_id="call-3")
    assert call is not None
    assert call.hung_up_at is not None and call.hung_up_before_decision is True
    assert call.inquiry_id == "call:local-dev:call-3"


def test_a_hang_up_after_the_decision_is_recorded_as_such(
    api: tuple[str, Ledger], record_decision: Callable[[Ledger, str], RoutingDecision]
) -> None:
    url, ledger = api
    _event(url, "call-4", {"type": "transcript", "text": TRANSCRIPT})
    record_decision(ledger, "call:local-dev:call-4")
    hung_up = _event(url, "call-4", {"type": "hung_up"})
    assert hung_up.json()["hung_up_before_decision"] is False


def test_a_call_that_ends_before_any_transcript_is_recorded_as_abandoned_for_a_call_back(
    api: tuple[str, Ledger],
) -> None:
    url, ledger = api
    _event(url, "call-5", {"type": "started", "caller": "+45 86 12 34 56"})
    hung_up = _event(url, "call-5", {"type": "hung_up", "caller": "+45 86 12 34 56"})
    retried = _event(url, "call-5", {"type": "hung_up", "caller": "+45 86 12 34 56"})
    assert (hung_up.status_code, retried.status_code) == (200, 200)
    state = hung_up.json()
    abandoned_id = call_inquiry_id(client_id="local-dev", call_id="call-5", abandoned=True)
    assert state["abandoned"] is True and state["inquiry_id"] == abandoned_id
    inquiry = next(i for i in ledger.recorded_inquiries() if i.id == abandoned_id)
    assert inquiry.text == ABANDONED_TEXT and inquiry.source["abandoned"] is True
    assert inquiry.citizen_key is not None
    assert retried.json()["hung_up_at"] == state["hung_up_at"]
    assert ledger.counts()["inquiries"] == 1


@pytest.mark.parametrize(
    ("call_id", "event", "status", "error"),
    [
        ("call-6", {"type": "ringing"}, 422, "type"),
        ("call-6", {"type": "transcript"}, 422, "text"),
        # Found by schemathesis: U+001F is whitespace to Python, so this text has no words.
        ("call-6", {"type": "transcript", "text": "\u001f"}, 422, "needs words"),
        ("c" * 49, {"type": "started"}, 422, "call id must match"),
    ],
)
def test_a_malformed_call_event_gets_a_clear_422(
    api: tuple[str, Ledger], call_id: str, event: dict[str, Any], status: int, error: str
) -> None:
    url, _ = api
    response = _event(url, call_id, event)
    assert response.status_code == status
    assert error in response.json()["error"]


def test_an_unsigned_call_event_is_refused(api: tuple[str, Ledger]) -> None:
    url, ledger = api
    response = httpx.post(f"{url}/v1/calls/call-7/events", json={"type": "hung_up"})
    assert response.status_code == 401
    assert ledger.counts()["inquiries"] == 0


@pytest.mark.broker
@pytest.mark.slow
def test_a_voicebot_waiting_on_a_transcript_gets_the_transfer_target(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    running: RunningEngine = start_engine(
        tmp_path_factory.mktemp("calls"), free_port(), INDGANG_SYNC_WAIT_S="30"
    )
    try:
        until_routing(running)
        running.post_signed("/v1/calls/e2e-1/events", {"type": "started"})
        response = running.post_signed(
            "/v1/calls/e2e-1/events",
            {
                "type": "transcript",
                "text": "jeg er bekymret for min nabos børn de græder hver nat og er ikke passet",
            },
            headers={"Prefer": "wait=30"},
        )
        assert response.status_code == 200, response.text
        receipt = response.json()["receipt"]
        assert receipt["decision"]["action"] == "queue"
        transfer = receipt["reply"]["transfer"]
        assert transfer["queue"] == receipt["decision"]["queue"]
        assert transfer["department_name"]
        hung_up = running.post_signed("/v1/calls/e2e-1/events", {"type": "hung_up"})
        assert hung_up.json()["hung_up_before_decision"] is False
    finally:
        running.stop()
