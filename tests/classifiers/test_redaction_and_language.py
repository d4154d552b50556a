"""Redaction of personal data and language detection."""

from __future__ import annotations

import pytest

from classifiers.language import detect_language
from classifiers.redaction import redact


def test_cpr_number_in_a_mail_is_redacted() -> None:
    mail = "Hej\n\nMin søn Elias (CPR 170325-1423) mangler en tid.\nCPR: 2303611348\nMvh"
    redacted = redact(mail)
    assert "170325" not in redacted
    assert "2303611348" not in redacted
    assert redacted.count("[CPR]") == 2


@pytest.mark.parametrize(
    "number", ["51 24 88 30", "5124 8830", "51248830", "+45 87 40 12 66", "004587401266"]
)
def test_danish_phone_numbers_are_redacted_in_every_grouping(number: str) -> None:
    assert redact(f"Ring til mig på {number} i morgen") == "Ring til mig på [TELEFON] i morgen"


def test_mail_address_is_redacted() -> None:
    assert redact("skriv til søren.hansen+kommune@example.co.uk tak") == "skriv til [EMAIL] tak"


def test_numbers_that_are_not_cpr_or_phone_are_kept() -> None:
    text = "j.nr. 2025-118734, dato 320161-1234, 9 personer"
    assert redact(text) == text


def test_danish_sentence_is_detected_as_danish() -> None:
    assert detect_language("Hej, jeg vil gerne vide hvornår min søn kan få en plads") == "da"


def test_english_sentence_is_detected_as_english() -> None:
    assert detect_language("Hello, how do I get a CPR number for my daughter?") == "en"


def test_text_with_neither_language_is_other() -> None:
    assert detect_language("Bonjour, je voudrais un rendez-vous") == "other"
