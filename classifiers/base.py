"""The interface every classifier of Indgang implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from models.classification import Classification
from models.inquiry import Inquiry


class Classifier(Protocol):
    """Labels inquiries; the router depends on this and nothing more."""

    model_version: str

    def classify(self, inquiry: Inquiry) -> Classification:
        """Label one inquiry."""
        ...

    def classify_batch(self, inquiries: Sequence[Inquiry]) -> list[Classification]:
        """Label many inquiries at once, in order."""
        ...
