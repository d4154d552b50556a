"""`indgang train --with-feedback`: corrections from the ledger, redacted, in the training data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from classifiers.dataset import load_labelled
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.queue_events import ItemTransferred
from queues.projection import apply_events
from tests.conftest import REPO
from tests.queues.conftest import CPR_TEXT, Queued, run_indgang

SHARED_TRAIN = REPO / "data" / "labelled" / "shared-2026-11-train.jsonl"
HELD_OUT = REPO / "data" / "held-out" / "shared-held-out.jsonl"


@pytest.fixture
def ledger(sqlite_url: str) -> Iterator[Ledger]:
    """SQLite only: training is slow, and the export's queries are tested on both databases."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield Ledger(engine)
    engine.dispose()


@pytest.mark.slow
def test_train_with_feedback_learns_from_redacted_corrections(
    ledger: Ledger,
    sqlite_url: str,
    put_on_queue: Callable[..., Queued],
    tmp_path: Path,
) -> None:
    queued = put_on_queue(queue="mtm.affald", text=f"Der er rotter i gården. {CPR_TEXT}")
    apply_events(
        ledger.engine,
        [
            ItemTransferred(
                inquiry_id=queued.id, queue="mtm.affald", to_queue="mtm.miljoe", reason="rotter"
            )
        ],
    )
    small = tmp_path / "small.jsonl"
    records = load_labelled([SHARED_TRAIN])
    subset = [r for n, r in enumerate(records) if n % 4 == 0 or r.labels.urgent]
    small.write_text("".join(r.model_dump_json() + "\n" for r in subset), encoding="utf-8")
    feedback = tmp_path / "feedback" / "corrections.jsonl"
    done = run_indgang(
        "train",
        "--data",
        str(small),
        "--held-out",
        str(HELD_OUT),
        "--out",
        str(tmp_path / "model.skops"),
        "--with-feedback",
        "--feedback-file",
        str(feedback),
        database_url=sqlite_url,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"1 corrected inquiries exported to {feedback}" in done.stderr
    report = json.loads(done.stdout)
    assert report["n_train"] == len(subset) + 1
    assert report["data_files"][-1].endswith("corrections.jsonl")
    exported = feedback.read_text(encoding="utf-8")
    assert "010203-1234" not in exported
    [record] = load_labelled([feedback])
    assert record.labels.service_area == "mtm.miljoe"
