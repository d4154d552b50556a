"""`indgang classify`: one output line per input line, whatever the input holds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from models.labels import SERVICE_AREAS

pytestmark = pytest.mark.slow


def _classify(stdin: bytes) -> tuple[int, list[dict[str, object]]]:
    result = subprocess.run(
        [sys.executable, "-m", "indgang", "classify"],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return result.returncode, [json.loads(line) for line in result.stdout.decode().splitlines()]


def test_mixed_input_gives_one_line_per_line_with_errors_named_and_exit_0() -> None:
    lines = [
        json.dumps({"id": "ok-1", "channel": "chat", "text": "hvornår kommer storskrald"}).encode(),
        b'{"id": "broken", "channel": ',
        json.dumps({"id": "empty", "channel": "mail", "text": ""}).encode(),
        json.dumps(
            {"id": "big", "channel": "mail", "text": "rotter i kælderen " * 12_000}
        ).encode(),
        b'{"id": "latin1", "channel": "chat", "text": "h\xe6j"}',
        json.dumps({"id": "ok-2", "channel": "phone", "text": "øh jeg skal have nyt pas"}).encode(),
    ]
    code, out = _classify(b"\n".join(lines) + b"\n")
    assert code == 0
    assert len(out) == len(lines)
    by_line = dict(enumerate(out, start=1))
    assert by_line[1]["id"] == "ok-1" and by_line[1]["service_area"] in SERVICE_AREAS
    assert "not JSON" in str(by_line[2]["error"])
    assert "needs text or a subject" in str(by_line[3]["error"])
    assert by_line[4]["id"] == "big" and "action" in by_line[4]
    assert "not UTF-8" in str(by_line[5]["error"])
    assert set(by_line[6]) >= {
        "id",
        "department",
        "service_area",
        "type",
        "complexity",
        "urgent",
        "action",
        "queue",
        "confidence",
        "model_version",
    }


def test_labelled_records_can_be_classified_as_they_are() -> None:
    record = {
        "id": "t-1",
        "channel": "chat",
        "sender": "citizen",
        "subject": "",
        "text": "hvordan reserverer jeg en bog",
        "lang": "da",
        "labels": {"service_area": "mkb.bibliotek_kultur"},
    }
    code, [row] = _classify(json.dumps(record).encode() + b"\n")
    assert code == 0 and row["id"] == "t-1" and "error" not in row
