"""Loading, splitting and hashing labelled inquiries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from classifiers.dataset import LabelledInquiry, data_hash, load_labelled, split
from models.errors import ClassifierError


def test_loading_redacts_text_and_subject(
    tmp_path: Path, make_record: Callable[..., LabelledInquiry]
) -> None:
    record = make_record(subject="CPR 230561-1348", text="ring på 51 24 88 30")
    path = tmp_path / "one.jsonl"
    path.write_text(record.model_dump_json() + "\n", encoding="utf-8")
    [loaded] = load_labelled([path])
    assert (loaded.subject, loaded.text) == ("CPR [CPR]", "ring på [TELEFON]")


def test_labels_that_break_the_action_rule_are_refused(tmp_path: Path) -> None:
    line = (
        '{"id": "x", "channel": "chat", "sender": "citizen", "subject": "", "text": "hej",'
        ' "lang": "da", "labels": {"department": "MKB", "service_area": "mkb.generel",'
        ' "type": "klage", "complexity": "lav", "urgent": false, "action": "resolve"}}'
    )
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ClassifierError, match=r"bad\.jsonl:1 is not a labelled inquiry"):
        load_labelled([path])


def test_held_out_split_is_stable_when_data_is_added(
    shared_records: list[LabelledInquiry], make_record: Callable[..., LabelledInquiry]
) -> None:
    _, held_out_before = split(shared_records)
    added = [make_record(id=f"new-{n:03d}") for n in range(200)]
    train_after, held_out_after = split([*added, *shared_records])
    before_ids = {record.id for record in held_out_before}
    after_ids = {record.id for record in held_out_after}
    assert before_ids == after_ids - {record.id for record in added}
    assert not before_ids & {record.id for record in train_after}


def test_data_hash_ignores_order(shared_records: list[LabelledInquiry]) -> None:
    assert data_hash(shared_records) == data_hash(list(reversed(shared_records)))
