"""The wire format: versioned envelopes, and a reason for every rejection."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from models.errors import PayloadError
from models.inquiry import Inquiry
from models.wire import decode, encode


def test_an_inquiry_survives_the_wire_unchanged(make_inquiry: Callable[..., Inquiry]) -> None:
    inquiry = make_inquiry(channel="mail", subject="Flytning", source={"mailbox": "borgerservice"})
    assert decode("inquiry", encode("inquiry", inquiry)) == inquiry


def test_envelope_names_kind_and_version(make_inquiry: Callable[..., Inquiry]) -> None:
    envelope = json.loads(encode("inquiry", make_inquiry()))
    assert (envelope["kind"], envelope["version"]) == ("inquiry", 1)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"kind": "decision", "version": 1, "data": {}}', "expected kind 'inquiry'"),
        (b'{"kind": "inquiry", "version": 99, "data": {}}', "unsupported inquiry version 99"),
        (b'{"kind": "inquiry", "version": 1, "data": {"channel": "fax"}}', "channel"),
        (None, "empty message"),
    ],
)
def test_a_bad_message_is_refused_with_its_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        decode("inquiry", raw)


def test_validation_reason_does_not_echo_personal_data() -> None:
    raw = json.dumps(
        {"kind": "inquiry", "version": 1, "data": {"channel": "fax", "text": "CPR 010190-1234"}}
    ).encode()
    with pytest.raises(PayloadError) as caught:
        decode("inquiry", raw)
    assert "010190" not in caught.value.reason
    assert "010190" not in json.dumps(caught.value.detail, default=str)


def test_inquiry_needs_words(make_inquiry: Callable[..., Inquiry]) -> None:
    with pytest.raises(ValueError, match="needs text or a subject"):
        make_inquiry(text="   ", subject="")


def test_cvr_belongs_to_a_business(make_inquiry: Callable[..., Inquiry]) -> None:
    assert make_inquiry(sender="business", cvr="12345678").cvr == "12345678"
    with pytest.raises(ValueError, match="CVR number belongs to a business"):
        make_inquiry(sender="citizen", cvr="12345678")
