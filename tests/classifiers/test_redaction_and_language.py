"""Redaction of personal data and language detection."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from classifiers.language import detect_language
from classifiers.redaction import redact, redact_many


@pytest.fixture
def make_transcript() -> Callable[[str], str]:
    """Return a factory wrapping a spoken number in a voicebot transcript."""

    def make(number: str) -> str:
        return f"ja hej øh mit nummer er {number} og jeg ringer om min søns plads"

    return make


def test_cpr_number_in_a_mail_is_redacted() -> None:
    mail = "Hej\n\nMin søn Elias (CPR 170325-1423) mangler en tid.\nCPR: 2303611348\nMvh"
    assert redact(mail) == "Hej\n\nMin søn [NAVN] (CPR [CPR]) mangler en tid.\nCPR: [CPR]\nMvh"


@pytest.mark.parametrize("number", ["01 12 90 12 34", "011290 1234", "0112901234", "011290-1234"])
def test_cpr_number_is_redacted_in_every_grouping(number: str) -> None:
    assert redact(f"cpr {number}.") == "cpr [CPR]."


@pytest.mark.parametrize(
    "spoken",
    ["nul et et to ni nul et to tre fire", "nul et et to ni nul øh et to tre fire"],
)
def test_spoken_cpr_in_a_phone_transcript_is_redacted(
    spoken: str, make_transcript: Callable[[str], str]
) -> None:
    assert redact(make_transcript(spoken)) == make_transcript("[CPR]")


@pytest.mark.parametrize(
    "spoken", ["otte ni fire nul et to tre fire", "otteogfyrre tolv toogtredive seksoghalvfjerds"]
)
def test_spoken_phone_number_in_a_phone_transcript_is_redacted(
    spoken: str, make_transcript: Callable[[str], str]
) -> None:
    assert redact(make_transcript(spoken)) == make_transcript("[TELEFON]")


@pytest.mark.parametrize(
    "number",
    [
        "51 24 88 30",
        "5124 8830",
        "51248830",
        "51-24-88-30",
        "+45 87 40 12 66",
        "004587401266",
        "+4587401266",
    ],
)
def test_danish_phone_numbers_are_redacted_in_every_grouping(number: str) -> None:
    assert redact(f"Ring til mig på {number} i morgen") == "Ring til mig på [TELEFON] i morgen"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tlf.51248830.", "tlf.[TELEFON]."),
        ("cpr:2303611348", "cpr:[CPR]"),
        ("ring på 51 24 88 30.", "ring på [TELEFON]."),
        ("(+45)87401266", "(+45)[TELEFON]"),
    ],
)
def test_numbers_glued_to_their_cue_or_a_full_stop_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sagsnummer 2024-123456 tak", "sagsnummer [SAGSNR] tak"),
        ("vedr. sag nr. 24/1234", "vedr. sag nr. [SAGSNR]"),
        ("jeres j.nr. 2023-0045123).", "jeres j.nr. [SAGSNR])."),
        ("Journalnummer: 2023/45", "Journalnummer: [SAGSNR]"),
        ("sagsnummeret er to nul to fire skråstreg nul ni otte", "sagsnummeret er [SAGSNR]"),
    ],
)
def test_case_number_after_its_cue_word_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "address",
    ["søren.hansen+kommune@example.co.uk", "anne-marie.1990@aarhus.dk", "mailto:hans@x.dk"],
)
def test_mail_address_is_redacted(address: str) -> None:
    redacted = redact(f"skriv til {address}, tak")
    assert redacted in {"skriv til [EMAIL], tak", "skriv til mailto:[EMAIL], tak"}


@pytest.mark.parametrize(
    "text",
    [
        "Det koster 500 kr og 1.500 kr i år 2026",
        "uge 47, Rådhuspladsen 2, 8000 Aarhus C",
        "den 3. marts kl. 10.30 kommer 9 personer",
        "dato 320161-1234 er ikke en dag",
        "fire børn og to voksne, en bil",
    ],
)
def test_ordinary_numbers_like_prices_and_years_survive(text: str) -> None:
    assert redact(text) == text


def test_everything_around_a_redaction_stays_byte_identical() -> None:
    text = "  Hej\t(cpr 170325-1423)\r\n\u00a0tlf  51 24 88 30 …  slut  "
    assert redact(text) == "  Hej\t(cpr [CPR])\r\n\u00a0tlf  [TELEFON] …  slut  "


def test_redact_many_matches_redact(make_transcript: Callable[[str], str]) -> None:
    texts = [
        "CPR 170325-1423",
        "",
        make_transcript("otte ni fire nul et to tre fire"),
        "sag nr. 24/1234, skriv til a@b.dk",
        "intet personligt her",
    ]
    assert redact_many(texts) == [redact(text) for text in texts]


def test_danish_sentence_is_detected_as_danish() -> None:
    assert detect_language("Hej, jeg vil gerne vide hvornår min søn kan få en plads") == "da"


def test_english_sentence_is_detected_as_english() -> None:
    assert detect_language("Hello, how do I get a CPR number for my daughter?") == "en"


def test_text_with_neither_language_is_other() -> None:
    assert detect_language("Bonjour, je voudrais un rendez-vous") == "other"
