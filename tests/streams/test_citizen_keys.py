"""Citizen keys: one person, one key, and the clear value is never what is stored."""

from __future__ import annotations

import pytest

from streams.citizen_keys import CitizenKeys, first_cpr, normalised_contact


@pytest.fixture
def keys() -> CitizenKeys:
    return CitizenKeys(secret=b"test-secret-for-keys")


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("+45 86 12 34 56", "86123456"),
        ("0045-86123456", "86 12 34 56"),
        ("Hans.Hansen@Example.DK", "hans.hansen@example.dk"),
    ],
)
def test_the_same_contact_written_differently_gives_one_key(
    keys: CitizenKeys, written: str, same_as: str
) -> None:
    assert keys.key_for(contact=written, text="") == keys.key_for(contact=same_as, text="")


def test_a_key_is_a_keyed_hash_not_the_value(keys: CitizenKeys) -> None:
    key = keys.key_for(contact="86123456", text="")
    assert key is not None and len(key) == 64
    assert "86123456" not in key
    other_secret = CitizenKeys(secret=b"another-secret").key_for(contact="86123456", text="")
    assert other_secret != key


def test_a_cpr_number_in_the_text_gives_a_key_when_no_contact_is_given(keys: CitizenKeys) -> None:
    with_dash = keys.key_for(contact=None, text="mit cpr er 010190-1234, hvad nu?")
    without = keys.key_for(contact=None, text="cpr 0101901234")
    assert with_dash is not None and with_dash == without


def test_the_contact_wins_over_a_cpr_number_in_the_text(keys: CitizenKeys) -> None:
    by_contact = keys.key_for(contact="a@b.dk", text="")
    assert keys.key_for(contact="a@b.dk", text="cpr 010190-1234") == by_contact


@pytest.mark.parametrize(
    "text",
    ["ordrenummer 9999991234", "sag 2026-001234", "ring 86 12 34 56", "320190-1234", ""],
)
def test_numbers_that_are_not_cpr_numbers_give_no_key(keys: CitizenKeys, text: str) -> None:
    assert first_cpr(text) is None
    assert keys.key_for(contact=None, text=text) is None


@pytest.mark.parametrize("contact", ["", "ring mig", "12", "ikke@en adresse"])
def test_a_contact_that_is_neither_phone_nor_mail_is_ignored(contact: str) -> None:
    assert normalised_contact(contact) is None


def test_a_secret_is_required() -> None:
    with pytest.raises(ValueError, match="needs a secret"):
        CitizenKeys(secret=b"")
