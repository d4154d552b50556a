"""The bot webhook: signed requests only, replays and retries harmless, answers in sync or async."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update

from config.catalogue import Catalogue
from config.settings import DEV_BOT_SECRET, BotClient
from connectors.http_api import create_api
from connectors.idempotency_expiry import forget_expired_once
from connectors.signing import CLIENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers
from ledger.database import make_engine
from ledger.idempotency import IdempotencyKeys
from ledger.migrate import upgrade
from ledger.schema import IdempotencyKeyRow, InquiryRow
from ledger.store import Ledger
from models.classification import Classification
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from router.policy import decide
from streams.citizen_keys import CitizenKeys
from streams.embedded_broker import free_port
from streams.intake import Intake
from streams.metrics import Metrics, create_metrics
from streams.producer import Producer
from tests.connectors.webhook_support import post_signed, serve, until_routing
from tests.processes import RunningEngine, start_engine, wait_until

OTHER_SECRET = "another-bots-secret"
CLIENTS = [
    BotClient(id="local-dev", secret=SecretStr(DEV_BOT_SECRET)),
    BotClient(id="muni-chat", secret=SecretStr(OTHER_SECRET)),
]


@dataclass
class Api:
    """The HTTP side served for real, on a real ledger, with its metrics."""

    url: str
    ledger: Ledger
    metrics: Metrics

    def rejected(self, reason: str) -> float:
        """How many POSTs were refused for a reason."""
        value = self.metrics.registry.get_sample_value(
            "indgang_inquiries_rejected_total", {"reason": reason}
        )
        return value or 0.0

    def rows(self, table: Any) -> int:
        """Rows in a ledger table."""
        with self.ledger.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
def api(database_url: str, catalogue: Catalogue) -> Iterator[Api]:
    """The API on a migrated ledger; its producer never connects (port 9), so no worker decides."""
    # Inquiries stay durable in the ledger, the API's legitimate behaviour with the broker away;
    # tests that need a decision record it in the ledger as the worker would.
    engine = make_engine(database_url)
    upgrade(engine)
    ledger = Ledger(engine)
    metrics = create_metrics()
    intake = Intake(
        ledger=ledger,
        producer=Producer(bootstrap_servers="127.0.0.1:9"),
        topic="unused",
        citizen_keys=CitizenKeys(secret=b"test-citizen-key"),
    )
    app = create_api(
        intake=intake,
        max_body_bytes=4_096,
        redelivery_after_s=3_600,
        redelivery_interval_s=3_600,
        bot_clients=CLIENTS,
        signature_max_age_s=300,
        sync_wait_s=5.0,
        metrics=metrics,
        catalogue=catalogue,
    )
    with serve(app) as url:
        yield Api(url, ledger, metrics)
    engine.dispose()


@pytest.fixture
def make_payload() -> Callable[..., dict[str, Any]]:
    """A bot's inquiry body; override any field."""

    def make(**overrides: Any) -> dict[str, Any]:
        return {
            "channel": "chat",
            "text": "Hvornår har Borgerservice åbent på lørdag?",
            **overrides,
        }

    return make


@pytest.fixture
def record_decision(
    catalogue: Catalogue, make_classification: Callable[..., Classification]
) -> Callable[..., RoutingDecision]:
    """Decide an accepted inquiry in the ledger, as the worker would, with given labels."""

    def record(ledger: Ledger, inquiry_id: str, **labels: Any) -> RoutingDecision:
        envelope_inquiry = next(i for i in ledger.recorded_inquiries() if i.id == inquiry_id)
        decision = decide(
            inquiry=envelope_inquiry,
            classification=make_classification(**labels),
            catalogue=catalogue,
            now=envelope_inquiry.received_at,
        )
        return ledger.record_decisions(decided=[(envelope_inquiry, decision)])[0]

    return record


def _post(api: Api, payload: dict[str, Any] | bytes, **kwargs: Any) -> httpx.Response:
    return post_signed(f"{api.url}/v1/inquiries", payload, **kwargs)


def test_a_well_signed_inquiry_is_accepted_and_durable(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    response = _post(api, make_payload(id="signed-1"))
    assert response.status_code == 202
    assert response.json() == {
        "id": "signed-1",
        "status": "accepted",
        "duplicate": False,
        "links": {"self": "/v1/inquiries/signed-1"},
        "decision": None,
        "reply": None,
    }
    assert api.ledger.status(inquiry_id="signed-1") is not None


def test_each_client_signs_with_its_own_secret(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    own = _post(api, make_payload(), client_id="muni-chat", secret=OTHER_SECRET)
    borrowed = _post(api, make_payload(), client_id="muni-chat", secret=DEV_BOT_SECRET)
    assert (own.status_code, borrowed.status_code) == (202, 401)


@pytest.mark.parametrize(
    ("tamper", "reason", "error"),
    [
        ("no-headers", "unsigned", "X-Indgang-Client header is missing"),
        ("no-signature", "unsigned", "X-Indgang-Signature header is missing"),
        ("unknown-client", "unknown_client", "names no configured bot client"),
        ("wrong-secret", "bad_signature", "does not match"),
        ("changed-body", "bad_signature", "does not match"),
        ("stale", "stale", "s old; the limit is 300 s"),
        ("future", "stale", "s in the future"),
    ],
)
def test_unsigned_and_badly_signed_requests_get_401_with_a_reason_and_are_counted(
    api: Api, make_payload: Callable[..., dict[str, Any]], tamper: str, reason: str, error: str
) -> None:
    body = json.dumps(make_payload(id=f"refused-{tamper}")).encode()
    kwargs: dict[str, Any] = {}
    if tamper == "unknown-client":
        kwargs["client_id"] = "nobody"
    if tamper == "wrong-secret":
        kwargs["secret"] = "guessed"
    if tamper == "stale":
        kwargs["now"] = time.time() - 400
    if tamper == "future":
        kwargs["now"] = time.time() + 400
    if tamper == "no-headers":
        response = httpx.post(f"{api.url}/v1/inquiries", content=body)
    elif tamper == "no-signature":
        response = _post(api, body, headers={SIGNATURE_HEADER: ""})
    elif tamper == "changed-body":
        signed = _signed_for(body)
        response = httpx.post(
            f"{api.url}/v1/inquiries", content=body.replace(b"chat", b"mail"), headers=signed
        )
    else:
        response = _post(api, body, **kwargs)
    assert response.status_code == 401
    assert error in response.json()["error"]
    assert response.headers["www-authenticate"].startswith(SIGNATURE_HEADER)
    assert api.rejected(reason) == 1
    assert api.ledger.status(inquiry_id=f"refused-{tamper}") is None


def _signed_for(body: bytes) -> dict[str, str]:
    return signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=body)


def test_an_oversized_body_is_refused_413_before_its_signature_is_checked(api: Api) -> None:
    response = httpx.post(f"{api.url}/v1/inquiries", content=b"x" * 10_000)
    assert response.status_code == 413
    assert "exceeds 4096 bytes" in response.json()["error"]
    assert api.rejected("too_large") == 1
    assert api.rejected("unsigned") == 0


def test_a_signed_but_malformed_body_gets_a_clear_4xx(api: Api) -> None:
    broken = _post(api, b'{"channel": "chat", "text": ')
    invalid = _post(api, {"channel": "fax", "text": "hej"})
    assert (broken.status_code, invalid.status_code) == (400, 422)
    assert "not JSON" in broken.json()["error"]
    assert "channel" in invalid.json()["error"]


def test_a_received_at_ahead_of_our_clock_is_refused_422_naming_the_field_and_why(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    # A client whose clock runs an hour fast: its inquiry would look as if not yet written.
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = _post(api, make_payload(received_at=ahead))
    assert response.status_code == 422
    problem = response.json()
    assert problem["error"].startswith(
        "invalid inquiry: received_at: is more than 300 s ahead of the server's clock"
    )
    assert [(f["loc"], f["type"]) for f in problem["fields"]] == [
        (["received_at"], "time_in_future")
    ]
    assert (api.rejected("invalid"), api.rows(InquiryRow)) == (1, 0)


def test_a_received_at_days_old_is_accepted_but_one_before_2000_is_refused(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    # A mail backlog days old is real; a time before 2000 is a client clock never set.
    backlog = (datetime.now(UTC) - timedelta(days=4)).isoformat()
    old = _post(api, make_payload(id="backlog-1", received_at=backlog))
    unset = _post(api, make_payload(received_at="1970-01-01T00:00:00Z"))
    assert (old.status_code, unset.status_code) == (202, 422)
    assert "received_at: is before 2000-01-01" in unset.json()["error"]
    assert api.rows(InquiryRow) == 1


def test_a_replayed_request_inside_the_window_is_a_harmless_duplicate(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    # No id and no Idempotency-Key: the id is derived from the signature, so the same bytes
    # with the same timestamp meet the inquiry they made.
    body = json.dumps(make_payload()).encode()
    headers = {"content-type": "application/json", **_signed_for(body)}
    first = httpx.post(f"{api.url}/v1/inquiries", content=body, headers=headers)
    replay = httpx.post(f"{api.url}/v1/inquiries", content=body, headers=headers)
    assert (first.status_code, replay.status_code) == (202, 200)
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["duplicate"] is True
    assert api.rows(InquiryRow) == 1


def test_a_replay_with_the_signature_or_timestamp_rewritten_is_still_the_same_inquiry(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    body = json.dumps(make_payload()).encode()
    headers = {"content-type": "application/json", **_signed_for(body)}
    first = httpx.post(f"{api.url}/v1/inquiries", content=body, headers=headers)
    rewritten = {
        **headers,
        SIGNATURE_HEADER: headers[SIGNATURE_HEADER].upper().replace("SHA256=", "sha256="),
        TIMESTAMP_HEADER: "0" + headers[TIMESTAMP_HEADER],
    }
    replay = httpx.post(f"{api.url}/v1/inquiries", content=body, headers=rewritten)
    assert (first.status_code, replay.status_code) == (202, 200)
    assert replay.json()["id"] == first.json()["id"]
    assert api.rows(InquiryRow) == 1


def test_the_same_text_signed_anew_is_a_new_inquiry(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    first = _post(api, make_payload(), now=time.time() - 5)
    second = _post(api, make_payload())
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] != second.json()["id"]


def test_a_retry_with_the_same_idempotency_key_returns_the_same_inquiry(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    body = json.dumps(make_payload()).encode()
    key = {"Idempotency-Key": "conversation-42/turn-1"}
    first = _post(api, body, headers=key, now=time.time() - 30)
    retry = _post(api, body, headers=key)  # signed again later, as a client's retry is
    assert (first.status_code, retry.status_code) == (202, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["duplicate"] is True
    assert (api.rows(InquiryRow), api.rows(IdempotencyKeyRow)) == (1, 1)


def test_the_same_idempotency_key_with_another_body_is_refused_422(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    key = {"Idempotency-Key": "conversation-43"}
    first = _post(api, make_payload(), headers=key)
    other = _post(api, make_payload(text="Hvordan søger jeg om pas?"), headers=key)
    assert (first.status_code, other.status_code) == (202, 422)
    assert "Idempotency-Key was used before with a different body" in other.json()["error"]
    assert first.json()["id"] in other.json()["error"]
    assert api.rejected("idempotency_conflict") == 1
    assert api.rows(InquiryRow) == 1


def test_an_expired_idempotency_key_is_forgotten_and_a_fresh_one_still_stands(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    keys = IdempotencyKeys(api.ledger.engine)
    old = _post(api, make_payload(), headers={"Idempotency-Key": "old"})
    recent = _post(
        api, make_payload(text="Hvornår har I åbent?"), headers={"Idempotency-Key": "new"}
    )
    with api.ledger.engine.begin() as connection:
        connection.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.key == "old")
            .values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    assert asyncio.run(forget_expired_once(keys=keys, ttl_s=24 * 3600)) == 1
    # Forgotten, the old key may name a new inquiry; the recent one still guards its body.
    reused = _post(api, make_payload(text="Noget helt nyt"), headers={"Idempotency-Key": "old"})
    conflict = _post(api, make_payload(text="Noget andet"), headers={"Idempotency-Key": "new"})
    assert (old.status_code, recent.status_code) == (202, 202)
    assert (reused.status_code, conflict.status_code) == (202, 422)
    assert reused.json()["id"] != old.json()["id"]
    assert api.rows(IdempotencyKeyRow) == 2


def test_keys_of_different_clients_do_not_meet(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    key = {"Idempotency-Key": "1"}
    mine = _post(api, make_payload(), headers=key)
    theirs = _post(
        api,
        make_payload(text="Noget andet"),
        headers=key,
        client_id="muni-chat",
        secret=OTHER_SECRET,
    )
    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert mine.json()["id"] != theirs.json()["id"]


def test_an_idempotency_key_that_is_not_visible_ascii_is_refused(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    response = _post(api, make_payload(), headers={"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert "Idempotency-Key must be 1-255 visible ASCII" in response.json()["error"]


def test_the_contact_becomes_a_citizen_key_and_is_not_stored(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    response = _post(api, make_payload(id="with-contact", contact="+45 86 12 34 56"))
    assert response.status_code == 202
    with api.ledger.engine.connect() as connection:
        row = connection.execute(select(InquiryRow).where(InquiryRow.id == "with-contact")).one()
    assert row.citizen_key is not None
    assert "86 12 34 56" not in row.envelope and "86123456" not in row.envelope


def test_sync_mode_without_a_decision_in_time_answers_202_with_the_status_link(
    api: Api, make_payload: Callable[..., dict[str, Any]]
) -> None:
    response = _post(api, make_payload(id="slow-1"), headers={"Prefer": "wait=1"})
    assert response.status_code == 202
    assert response.json()["links"]["self"] == "/v1/inquiries/slow-1"
    assert response.json()["decision"] is None


def test_sync_mode_answers_with_the_decision_made_while_it_waits(
    api: Api,
    make_payload: Callable[..., dict[str, Any]],
    record_decision: Callable[..., RoutingDecision],
) -> None:
    def decide_when_accepted() -> None:
        wait_until(
            lambda: api.ledger.status(inquiry_id="sync-1") is not None,
            timeout_s=10,
            what="the inquiry",
            every_s=0.01,
        )
        record_decision(
            api.ledger, "sync-1", service_area="mbu.tandpleje", type="sagsstatus", urgent=False
        )

    deciding = threading.Thread(target=decide_when_accepted)
    deciding.start()
    key = {"Prefer": "wait=5", "Idempotency-Key": "sync-1-key"}
    response = _post(api, make_payload(id="sync-1"), headers=key)
    deciding.join()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "decided"
    assert body["decision"]["action"] == "queue"
    transfer = body["reply"]["transfer"]
    assert transfer["queue"] == "mbu.tandpleje"
    assert transfer["department"] == "MBU" and transfer["department_name"] == "Børn og Unge"
    assert body["reply"]["spoken"].startswith("Jeg stiller dig videre til")
    assert transfer["phone"] in body["reply"]["spoken"]

    retry = _post(api, make_payload(id="sync-1"), headers=key)
    assert retry.status_code == 200
    assert retry.json()["duplicate"] is True
    assert retry.json()["decision"] == body["decision"]


def test_sync_mode_gives_a_voicebot_the_spoken_answer_of_a_resolved_inquiry(
    api: Api,
    make_payload: Callable[..., dict[str, Any]],
    record_decision: Callable[..., RoutingDecision],
) -> None:
    assert _post(api, make_payload(id="resolve-1", channel="phone")).status_code == 202
    decision = record_decision(
        api.ledger, "resolve-1", service_area="mkb.folkeregister", type="omstilling"
    )
    assert decision.action == "resolve"
    response = _post(
        api, make_payload(id="resolve-1", channel="phone"), headers={"Prefer": "wait=2"}
    )
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert reply["action"] == "resolve" and reply["transfer"] is None
    assert decision.answer is not None and reply["spoken"] == decision.answer.spoken


def test_the_openapi_document_describes_signing_and_the_webhook_bodies(api: Api) -> None:
    document = httpx.get(f"{api.url}/openapi.json").json()
    post = document["paths"]["/v1/inquiries"]["post"]
    headers = {p["name"]: p["required"] for p in post["parameters"]}
    assert headers == {
        CLIENT_HEADER: True,
        TIMESTAMP_HEADER: True,
        SIGNATURE_HEADER: True,
        "Prefer": False,
        "Idempotency-Key": False,
    }
    assert {"200", "202", "400", "401", "413", "422", "503"} <= set(post["responses"])
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert "contact" in schema["properties"]
    calls = document["paths"]["/v1/calls/{call_id}/events"]["post"]
    event = calls["requestBody"]["content"]["application/json"]["schema"]
    assert set(event["discriminator"]["mapping"]) == {"started", "transcript", "hung_up"}
    for ref in event["discriminator"]["mapping"].values():
        assert ref.rsplit("/", 1)[1] in document["components"]["schemas"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
    """`indgang run` on its embedded default: Tansu, worker and HTTP side."""
    running = start_engine(tmp_path_factory.mktemp("engine"), free_port(), INDGANG_SYNC_WAIT_S="30")
    until_routing(running)
    yield running
    running.stop()


@pytest.mark.broker
@pytest.mark.slow
def test_sync_mode_returns_the_workers_decision_from_a_running_engine(
    engine: RunningEngine,
) -> None:
    payload = {"channel": "phone", "text": "øh ja hej jeg skal have fornyet mit pas"}
    response = engine.post_inquiry(
        payload, headers={"Prefer": "wait=30", "Idempotency-Key": "e2e-sync-1"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "decided" and body["duplicate"] is False
    decision = body["decision"]
    assert decision["inquiry_id"] == body["id"]
    reply = body["reply"]
    assert reply["action"] == decision["action"]
    assert reply["spoken"]
    if decision["action"] == "queue":
        assert reply["transfer"]["queue"] == decision["queue"]
    retry = engine.post_inquiry(
        payload, headers={"Prefer": "wait=30", "Idempotency-Key": "e2e-sync-1"}
    )
    assert retry.json()["duplicate"] is True and retry.json()["decision"] == decision
    assert engine.ledger.counts()["decisions"] >= 1


@pytest.mark.broker
@pytest.mark.slow
def test_indgang_send_signs_as_the_local_development_client(
    engine: RunningEngine, tmp_path: Path
) -> None:
    path = tmp_path / "two.jsonl"
    path.write_text(
        json.dumps({"channel": "chat", "text": "hvornår bliver storskrald hentet"})
        + "\n"
        + json.dumps({"channel": "mail", "text": "Rotter i gården, kan I komme?"})
        + "\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "indgang", "send", str(path), "--url", engine.base_url],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["line"] for line in lines] == [1, 2]
    assert all(line["decision"]["action"] in ("resolve", "queue") for line in lines)


def test_inquiry_factory_ids_are_accepted_as_given(
    api: Api, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiry = make_inquiry()
    response = _post(api, inquiry.model_dump(mode="json"))
    assert response.status_code == 202
    assert response.json()["id"] == inquiry.id
