"""Arbitrary text in, a classification in the label space out: never a crash."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifiers.base import Classifier
from classifiers.redaction import redact
from classifiers.training import load_default_classifier
from models.inquiry import Inquiry
from models.labels import SERVICE_AREAS

# Danish letters, digits, punctuation, controls, emoji and lone surrogates' neighbours.
ANY_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=2_000
).filter(lambda t: t.strip() != "")

pytestmark = pytest.mark.fuzz


@cache
def _classifier() -> Classifier:
    return load_default_classifier()


@given(text=ANY_TEXT, channel=st.sampled_from(["phone", "mail", "chat", "web"]))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_on_any_channel_gets_a_classification_in_the_label_space(
    text: str, channel: str
) -> None:
    inquiry = Inquiry(channel=channel, text=text)  # type: ignore[arg-type]
    result = _classifier().classify(inquiry)
    assert result.service_area in SERVICE_AREAS
    for confidence in result.confidence.model_dump().values():
        assert 0.0 <= confidence <= 1.0


@given(text=ANY_TEXT)
@settings(deadline=None)
def test_redaction_never_fails_and_never_grows_a_cpr_number(text: str) -> None:
    redacted = redact(text + " 010190-1234")
    assert "010190-1234" not in redacted


@pytest.mark.parametrize("size", [1, 200_000])
def test_a_huge_or_tiny_inquiry_is_classified(size: int) -> None:
    inquiry = Inquiry(channel="mail", text=("rotter i kælderen " * size)[: max(size, 3)])
    assert _classifier().classify(inquiry).service_area in SERVICE_AREAS
