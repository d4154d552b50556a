"""Factories and the shared data for the classifier tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from classifiers.dataset import LabelledInquiry, load_labelled
from models.inquiry import Inquiry

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO / "data" / "labelled" / "shared-2026-11-train.jsonl"


@pytest.fixture
def make_inquiry() -> Callable[..., Inquiry]:
    """Return a factory for inquiries with sensible defaults."""

    def make(**overrides: Any) -> Inquiry:
        fields: dict[str, Any] = {
            "channel": "mail",
            "sender": "citizen",
            "subject": "Nyt pas",
            "text": "Hej, hvordan bestiller jeg et nyt pas? Mvh Hanne",
        }
        return Inquiry(**(fields | overrides))

    return make


@pytest.fixture
def make_record() -> Callable[..., LabelledInquiry]:
    """Return a factory for labelled inquiries with sensible defaults."""

    def make(**overrides: Any) -> LabelledInquiry:
        fields: dict[str, Any] = {
            "id": "x-001",
            "channel": "chat",
            "sender": "citizen",
            "subject": "",
            "text": "hvornår har borgerservice åbent",
            "lang": "da",
            "labels": {
                "department": "MKB",
                "service_area": "mkb.generel",
                "type": "generel_information",
                "complexity": "lav",
                "urgent": False,
                "action": "resolve",
            },
        }
        return LabelledInquiry.model_validate(fields | overrides)

    return make


@pytest.fixture(scope="session")
def shared_records() -> list[LabelledInquiry]:
    """Return the redacted shared data set of the repo."""
    return load_labelled([SHARED_DATA])
