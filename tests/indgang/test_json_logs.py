"""The running engine logs JSON lines with ids and labels as fields, and no personal data."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from streams.embedded_broker import free_port
from tests.processes import start_engine, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.slow]

CPR = "010190-1234"
PHONE = "21 43 65 87"
MAIL = "anne.jensen@example.dk"


def test_engine_logs_are_json_with_decision_fields_and_never_personal_data(
    tmp_path: Path,
) -> None:
    port = free_port()
    engine = start_engine(tmp_path, port, INDGANG_LOG_FORMAT="json")
    texts = [
        f"Mit CPR-nummer er {CPR}, hvornår kommer mit nye pas?",
        f"Ring til mig på {PHONE} om rotter i gården",
        f"Skriv til {MAIL} om storskrald",
    ]
    ids = [f"log-{n}-{uuid.uuid4().hex[:8]}" for n in range(len(texts))]
    try:
        with httpx.Client(timeout=30) as client:
            for inquiry_id, text in zip(ids, texts, strict=True):
                payload = {"id": inquiry_id, "channel": "chat", "text": text}
                assert engine.post_inquiry(payload, client=client).status_code == 202
        ledger = engine.ledger
        wait_until(
            lambda: ledger.counts()["decisions"] == len(ids), timeout_s=60, what="the decisions"
        )
        wait_until(
            lambda: all(i in engine.log_path.read_text() for i in ids),
            timeout_s=30,
            what="a log line per decision",
        )
    finally:
        engine.stop()

    lines = [line for line in engine.log_path.read_text().splitlines() if line.strip()]
    entries: list[dict[str, Any]] = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON log line: {line!r}")
    for value in (CPR, CPR.replace("-", ""), PHONE, PHONE.replace(" ", ""), MAIL):
        assert not [line for line in lines if value in line], value
    loggers = {entry["logger"] for entry in entries}
    # The supervisor's, the worker's own and Faust's records all went through the JSON handler.
    assert {"indgang.supervisor", "streams.worker"} <= loggers
    assert any(name.startswith(("faust", "mode")) for name in loggers), loggers
    decided = {e["inquiry_id"]: e for e in entries if e.get("message", "").startswith("decided")}
    assert set(decided) == set(ids)
    for entry in decided.values():
        assert entry["level"] == "INFO"
        assert entry["channel"] == "chat"
        assert entry["action"] in {"resolve", "queue"}
        assert entry["queue"]
        assert "text" not in entry
