"""Corrections in the ledger become redacted, labelled training records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from classifiers.dataset import load_labelled
from ledger.store import Ledger
from models.queue_events import ItemClaimed, ItemRelabelled, ItemTransferred
from queues.feedback_export import corrected_records, export_corrections
from queues.projection import apply_events
from tests.queues.conftest import CPR_TEXT, Queued

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_a_transfer_and_a_relabel_make_one_record_with_both_corrections(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue(queue="mtm.affald", text=CPR_TEXT, subject="cpr 010203-1234")
    apply_events(
        ledger.engine,
        [
            ItemTransferred(
                inquiry_id=queued.id,
                queue="mtm.affald",
                to_queue="mtm.miljoe",
                reason="rotter",
                at=T0,
            ),
            ItemRelabelled(
                inquiry_id=queued.id,
                queue="mtm.miljoe",
                field="urgent",
                value="true",
                at=T0 + timedelta(minutes=1),
            ),
        ],
    )
    [record] = corrected_records(engine=ledger.engine)
    assert record.id == f"feedback-{queued.id}"
    labels = record.labels
    assert (labels.department, labels.service_area, labels.urgent, labels.action) == (
        "MTM",
        "mtm.miljoe",
        True,
        "queue",
    )
    assert (labels.type, labels.complexity) == ("klage", "mellem")  # the router's, uncorrected
    assert "010203-1234" not in record.model_dump_json()
    assert "[CPR]" in record.text
    assert record.subject == "cpr [CPR]"


def test_the_stored_redaction_is_what_is_exported(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    queued = put_on_queue(text=CPR_TEXT)
    ledger.store_redacted(redacted={queued.id: "skrald [CPR] (worker)"})
    apply_events(
        ledger.engine,
        [
            ItemRelabelled(
                inquiry_id=queued.id, queue="mtm.affald", field="type", value="ansoegning"
            )
        ],
    )
    [record] = corrected_records(engine=ledger.engine)
    assert record.text == "skrald [CPR] (worker)"


def test_items_without_corrections_or_corrected_back_are_left_out(
    ledger: Ledger, put_on_queue: Callable[..., Queued]
) -> None:
    untouched, back = put_on_queue(), put_on_queue()
    apply_events(
        ledger.engine,
        [
            ItemClaimed(inquiry_id=untouched.id, queue="mtm.affald", actor="ada"),
            ItemTransferred(
                inquiry_id=back.id, queue="mtm.affald", to_queue="mtm.natur", reason="x", at=T0
            ),
            ItemTransferred(
                inquiry_id=back.id,
                queue="mtm.natur",
                to_queue="mtm.affald",
                reason="nej, alligevel",
                at=T0 + timedelta(minutes=1),
            ),
        ],
    )
    assert corrected_records(engine=ledger.engine) == []


def test_the_export_is_a_file_that_training_can_load(
    ledger: Ledger, put_on_queue: Callable[..., Queued], tmp_path: Path
) -> None:
    queued = put_on_queue()
    apply_events(
        ledger.engine,
        [
            ItemTransferred(
                inquiry_id=queued.id, queue="mtm.affald", to_queue="ba.erhverv", reason="x"
            )
        ],
    )
    path = tmp_path / "feedback" / "corrections.jsonl"
    assert export_corrections(engine=ledger.engine, path=path) == 1
    [loaded] = load_labelled([path])
    assert (loaded.labels.department, loaded.labels.service_area) == ("BA", "ba.erhverv")
