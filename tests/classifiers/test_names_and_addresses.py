"""Redaction of personal names and street addresses, and of nothing that only looks like one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from classifiers.redaction import redact, redact_many


@pytest.fixture
def make_mail() -> Callable[[str], str]:
    """Return a factory for a citizen's mail ending in the given sign-off."""

    def make(sign_off: str) -> str:
        return f"Hej\n\nHvornår bliver vores skraldespand tømt?\n\n{sign_off}"

    return make


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mit navn er Hanne Jensen, og jeg ringer om pas",
            "Mit navn er [NAVN], og jeg ringer om pas",
        ),
        (
            "ja hej jeg hedder peter øh og jeg ringer om pas",
            "ja hej jeg hedder [NAVN] øh og jeg ringer om pas",
        ),
        (
            "my name is Priya Raman and I need a CPR number",
            "my name is [NAVN] and I need a CPR number",
        ),
        ("Navn: Ole Bach Nielsen", "Navn: [NAVN]"),
    ],
)
def test_a_name_after_an_introduction_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("sign_off", "redacted"),
    [
        ("Med venlig hilsen\nBirgitte Kjærsgaard", "Med venlig hilsen\n[NAVN]"),
        ("Mvh Ole", "Mvh [NAVN]"),
        ("Venlig hilsen\nKim Lund\nTlf. 22 33 44 55", "Venlig hilsen\n[NAVN]\nTlf. [TELEFON]"),
        ("Best regards,\nTomasz", "Best regards,\n[NAVN]"),
    ],
)
def test_a_name_under_a_sign_off_is_redacted(
    sign_off: str, redacted: str, make_mail: Callable[[str], str]
) -> None:
    assert redact(make_mail(sign_off)) == make_mail(redacted)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("min søn Oliver skal starte i 0. klasse", "min søn [NAVN] skal starte i 0. klasse"),
        ("vores datter Ida Marie har tandpine", "vores datter [NAVN] har tandpine"),
        ("ja min mor karen hun er faldet", "ja min mor [NAVN] hun er faldet"),
        ("my neighbour Ahmed has rats", "my neighbour [NAVN] has rats"),
    ],
)
def test_a_name_after_a_family_word_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_known_first_name_with_a_surname_is_redacted_anywhere() -> None:
    assert redact("Jeg har talt med Mette Kristensen i går") == "Jeg har talt med [NAVN] i går"


@pytest.mark.parametrize(
    "text",
    [
        "Med venlig hilsen\nAarhus Kommune, Borgerservice",
        "Venlig hilsen\nBestyrelsen",
        "Kære Sundhed og Omsorg, kan Hjemmeplejen komme i morgen?",
        "Jeg har skrevet til Teknik og Miljø og til Kultur og Borgerservice",
        "Jobcenter Aarhus og Pladsanvisningen har ikke svaret",
        "Hvordan bruger jeg Mit Betalingsoverblik og Digital Post?",
        "min søn skal i skole, og min mor hun er syg",
        "Hans mor er syg, og mvh til alle",
    ],
)
def test_offices_services_and_ordinary_words_are_not_redacted_as_names(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg bor på Skovvejen 12, 2. tv, 8000 Aarhus C.", "Jeg bor på [ADRESSE]."),
        ("Adresse: Jens Baggesens Vej 45 st. th.", "Adresse: [ADRESSE]."),
        ("vi bor på rosenvængets allé fjorten", "vi bor på [ADRESSE]"),
        ("ja det er nørregade tolv", "ja det er [ADRESSE]"),
        ("Solparken 14, 8260 Viby J, har rotter", "[ADRESSE], har rotter"),
        ("rotter på Frederiks Allé 22B", "rotter på [ADRESSE]"),
    ],
)
def test_a_street_address_with_a_house_number_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "vi var i parken to gange i sidste uge",
        "hun er i børnehaven 3 dage om ugen",
        "vi kørte på motorvejen to timer",
        "Borgerservice ligger på Dokk1, Hack Kampmanns Plads 2, 8000 Aarhus C",
        "byrådsmødet på Rådhuspladsen 2",
    ],
)
def test_everyday_words_and_the_municipalitys_own_addresses_are_kept(text: str) -> None:
    assert redact(text) == text


def test_redact_many_finds_names_and_addresses_like_redact() -> None:
    texts = ["Mvh Ole", "Skovvejen 3, 1. th", "ingen persondata her"]
    assert redact_many(texts) == [redact(text) for text in texts]
