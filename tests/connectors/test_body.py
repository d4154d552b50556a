"""Reading a request body: limits first, then UTF-8, JSON and the inquiry schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.body import parse_inquiry, parse_json_object, read_limited
from models.errors import PayloadError, PayloadTooLarge


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(PayloadTooLarge, match="10485760 bytes exceeds 1024"):
        await read_limited(_chunks(), declared_length="10485760", limit=1024)


async def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit() -> None:
    with pytest.raises(PayloadTooLarge, match="exceeds 1024 bytes"):
        await read_limited(_chunks(b"x" * 1000, b"x" * 1000), declared_length=None, limit=1024)


async def test_a_nonsense_content_length_is_refused() -> None:
    with pytest.raises(PayloadError, match="Content-Length is not a number"):
        await read_limited(_chunks(b"{}"), declared_length="lots", limit=1024)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"\xc3\x28", "not UTF-8"),
        (b'{"a": ', "not JSON"),
        (b'"just a string"', "not str"),
    ],
)
def test_a_body_that_is_not_a_json_object_says_why(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse_json_object(body)


def test_an_invalid_inquiry_names_its_fields_not_their_values() -> None:
    with pytest.raises(PayloadError, match="channel") as caught:
        parse_inquiry({"channel": "telegraph", "text": "mit CPR er 010190-1234"})
    assert "010190" not in str(caught.value)
    assert caught.value.detail is not None


def test_a_valid_inquiry_gets_an_id_and_a_receipt_time() -> None:
    inquiry = parse_inquiry({"channel": "web", "text": "Hvornår er der storskrald?"})
    assert inquiry.id
    assert inquiry.received_at.tzinfo is not None
