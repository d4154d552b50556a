"""`indgang run` end to end: embedded Tansu, worker, HTTP side and the SQLite ledger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from streams.embedded_broker import free_port
from tests.processes import RunningEngine, start_engine, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.slow]

TEXTS = [
    ("phone", "øh ja hej jeg skal have fornyet mit pas hvornår kan jeg komme"),
    ("mail", "Vi har fået rotter i gården bag huset, kan I sende nogen ud?"),
    ("chat", "hvornår bliver storskrald hentet på min vej"),
    ("chat", "how do I get a CPR number when I move to Aarhus"),
    ("web", "Jeg vil gerne klage over min parkeringsafgift, jeg holdt lovligt."),
    ("mail", "Jeg er bekymret for min nabos børn, de virker ikke passet og græder om natten."),
]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[RunningEngine]:
    """A running engine on the embedded default, stopped after the test."""
    running = start_engine(tmp_path, free_port(), INDGANG_REDELIVERY_AFTER_S="3")
    yield running
    running.stop()


@pytest.fixture
def make_payload() -> Callable[[int], dict[str, str]]:
    """Inquiry payloads as a bot would post them, cycling through channels and topics."""

    def make(n: int) -> dict[str, str]:
        channel, text = TEXTS[n % len(TEXTS)]
        return {"id": f"e2e-{n}-{uuid.uuid4().hex[:8]}", "channel": channel, "text": text}

    return make


def _post_all(engine: RunningEngine, payloads: list[dict[str, str]]) -> list[httpx.Response]:
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda p: engine.post_inquiry(p, client=client), payloads))


def test_500_posted_inquiries_get_500_decisions_each_exactly_once(
    engine: RunningEngine, make_payload: Callable[[int], dict[str, str]]
) -> None:
    payloads = [make_payload(n) for n in range(500)]
    responses = _post_all(engine, payloads)
    assert [r.status_code for r in responses] == [202] * 500
    ledger = engine.ledger
    wait_until(lambda: ledger.counts()["decisions"] == 500, timeout_s=90, what="500 decisions")
    counts = ledger.counts()
    assert counts["inquiries"] == 500
    queued = sum(
        1
        for p in payloads[:30]
        if (s := ledger.status(inquiry_id=p["id"])) and s.decision and s.decision.action == "queue"
    )
    assert counts["queue_items"] >= queued
    state = httpx.get(f"{engine.base_url}/v1/inquiries/{payloads[0]['id']}").json()
    assert state["status"] == "decided"
    assert state["decision"]["classification"]["model_version"]


def test_an_accepted_inquiry_is_durable_before_the_sender_is_told(
    engine: RunningEngine, make_payload: Callable[[int], dict[str, str]]
) -> None:
    payload = make_payload(1)
    response = engine.post_inquiry(payload)
    assert response.status_code == 202
    # The 202 was sent after the commit: the ledger has it however fast we look.
    assert engine.ledger.status(inquiry_id=payload["id"]) is not None


def test_posting_the_same_inquiry_again_is_answered_as_a_duplicate(
    engine: RunningEngine, make_payload: Callable[[int], dict[str, str]]
) -> None:
    payload = make_payload(2)
    first = engine.post_inquiry(payload)
    second = engine.post_inquiry(payload)
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["duplicate"] is True
    ledger = engine.ledger
    # The engine's first decision waits for its worker to join the group and load the model
    # (in the decide pool too); on a loaded CI machine that took over 30 s once.
    wait_until(
        lambda: (s := ledger.status(inquiry_id=payload["id"])) is not None and s.decision,
        timeout_s=90,
        what="the decision",
    )
    assert ledger.counts()["decisions"] == 1


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b'{"channel": "chat", "text": ', {}, 400, "not JSON"),
        (b'{"channel": "chat"}', {}, 422, "text: Field required"),
        (b'{"channel": "fax", "text": "hej"}', {}, 422, "channel"),
        (b'{"channel": "chat", "text": 42}', {}, 422, "text: Input should be a valid string"),
        (b'{"channel": "chat", "text": "h\xe6j"}', {}, 400, "not UTF-8"),
        (b"[]", {}, 400, "JSON object"),
        (b"", {}, 400, "empty"),
        (b"x" * (10 * 1024 * 1024), {}, 413, "exceeds"),
    ],
    ids=[
        "broken-json",
        "missing-field",
        "bad-enum",
        "wrong-type",
        "bad-utf8",
        "array",
        "empty",
        "10mb",
    ],
)
def test_malformed_payloads_get_a_clear_4xx_and_the_engine_keeps_running(
    engine: RunningEngine, body: bytes, headers: dict[str, str], status: int, reason: str
) -> None:
    response = engine.post_inquiry(body, headers=headers)
    assert response.status_code == status
    assert reason in response.json()["error"] + json.dumps(response.json().get("fields"))
    assert engine.healthy()


def test_a_worker_killed_while_inquiries_flow_leaves_every_inquiry_with_one_decision(
    engine: RunningEngine, make_payload: Callable[[int], dict[str, str]]
) -> None:
    payloads = [make_payload(n) for n in range(400)]
    worker = engine.pid_of("worker")
    assert worker is not None
    with ThreadPoolExecutor(1) as pool:
        posting = pool.submit(_post_all, engine, payloads)
        ledger = engine.ledger
        wait_until(lambda: ledger.counts()["decisions"] >= 50, timeout_s=60, what="first decisions")
        os.kill(worker, signal.SIGKILL)
        decided_at_kill = ledger.counts()["decisions"]
        responses = posting.result()
    accepted = [p["id"] for p, r in zip(payloads, responses, strict=True) if r.status_code == 202]
    assert len(accepted) == 400
    assert decided_at_kill < 400, "the worker was killed after the flow, not during it"
    wait_until(
        lambda: engine.pid_of("worker") not in (None, worker), timeout_s=30, what="a new worker"
    )
    wait_until(lambda: ledger.counts()["decisions"] == 400, timeout_s=120, what="all 400 decisions")
    assert ledger.counts()["inquiries"] == 400
    assert all((s := ledger.status(inquiry_id=i)) and s.decision for i in accepted[::20])


def test_send_prints_one_decision_per_inquiry_in_the_file(
    engine: RunningEngine, make_payload: Callable[[int], dict[str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "inquiries.jsonl"
    path.write_text("\n".join(json.dumps(make_payload(n)) for n in range(12)) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "indgang", "send", str(path), "--url", engine.base_url],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(lines) == 12 and all(
        line["decision"]["action"] in ("resolve", "queue") for line in lines
    )


@pytest.mark.postgres
def test_the_engine_records_in_postgresql_when_the_url_says_so(
    tmp_path: Path, postgres_url: str, make_payload: Callable[[int], dict[str, str]]
) -> None:
    running = start_engine(tmp_path, free_port(), INDGANG_DATABASE_URL=postgres_url)
    try:
        responses = _post_all(running, [make_payload(n) for n in range(60)])
        assert [r.status_code for r in responses] == [202] * 60
        ledger = running.ledger
        wait_until(lambda: ledger.counts()["decisions"] == 60, timeout_s=60, what="60 decisions")
        assert ledger.engine.dialect.name == "postgresql"
    finally:
        running.stop()
