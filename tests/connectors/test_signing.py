"""HMAC-SHA256 signatures over timestamp and body: what is accepted and why the rest is not."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from config.settings import DEV_BOT_SECRET
from connectors.signing import (
    CLIENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    signed_headers,
    verify,
)
from models.errors import BadSignature, StaleSignature, Unsigned

BODY = b'{"channel": "chat", "text": "hvorn\xc3\xa5r har Borgerservice \xc3\xa5bent?"}'
NOW = 1_795_000_000.0


def _verify(headers: dict[str, str], *, body: bytes = BODY, now: float = NOW) -> int:
    return verify(
        secret=DEV_BOT_SECRET,
        timestamp=headers.get(TIMESTAMP_HEADER),
        signature=headers.get(SIGNATURE_HEADER),
        body=body,
        max_age_s=300,
        now=now,
    )


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() -> None:
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(secret="s3cret", timestamp=1_700_000_000, body=BODY) == expected


def test_signed_headers_name_the_client_the_time_and_the_signature() -> None:
    headers = signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=BODY, now=NOW)
    assert headers[CLIENT_HEADER] == "local-dev"
    assert headers[TIMESTAMP_HEADER] == str(int(NOW))
    assert headers[SIGNATURE_HEADER] == "sha256=" + sign(
        secret=DEV_BOT_SECRET, timestamp=int(NOW), body=BODY
    )


def test_a_good_signature_is_accepted_and_returns_its_timestamp() -> None:
    headers = signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=BODY, now=NOW)
    assert _verify(headers) == int(NOW)


def test_upper_case_hex_is_the_same_signature() -> None:
    headers = signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=BODY, now=NOW)
    headers[SIGNATURE_HEADER] = "sha256=" + headers[SIGNATURE_HEADER][7:].upper()
    assert _verify(headers) == int(NOW)


@pytest.mark.parametrize(
    ("missing", "reason"),
    [(TIMESTAMP_HEADER, "X-Indgang-Timestamp header is missing"), (SIGNATURE_HEADER, "Signature")],
)
def test_a_request_without_its_headers_is_unsigned(missing: str, reason: str) -> None:
    headers = signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=BODY, now=NOW)
    del headers[missing]
    with pytest.raises(Unsigned, match=reason):
        _verify(headers)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("body", "does not match"),
        ("secret", "does not match"),
        ("timestamp", "does not match"),
        ("scheme", "must be 'sha256='"),
        ("not-a-number", "Unix time in whole seconds"),
        ("non-ascii", "does not match"),
    ],
)
def test_a_signature_that_does_not_fit_is_refused_with_the_reason(change: str, reason: str) -> None:
    secret = "another-secret" if change == "secret" else DEV_BOT_SECRET
    headers = signed_headers(client_id="local-dev", secret=secret, body=BODY, now=NOW)
    body = BODY.replace(b"chat", b"mail") if change == "body" else BODY
    if change == "timestamp":
        headers[TIMESTAMP_HEADER] = str(int(NOW) - 1)
    if change == "scheme":
        headers[SIGNATURE_HEADER] = headers[SIGNATURE_HEADER].replace("sha256=", "sha1=")
    if change == "not-a-number":
        headers[TIMESTAMP_HEADER] = "yesterday"
    if change == "non-ascii":
        headers[SIGNATURE_HEADER] = "sha256=æøå"
    with pytest.raises(BadSignature, match=reason):
        _verify(headers, body=body)


@pytest.mark.parametrize(
    ("offset_s", "reason"),
    [(301, "301 s old; the limit is 300 s"), (-301, "301 s in the future")],
)
def test_a_timestamp_outside_the_window_is_stale_either_way(offset_s: int, reason: str) -> None:
    headers = signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=BODY, now=NOW)
    with pytest.raises(StaleSignature, match=reason):
        _verify(headers, now=NOW + offset_s)


@pytest.mark.parametrize("offset_s", [300, -300, 0])
def test_a_timestamp_inside_the_window_is_accepted(offset_s: int) -> None:
    headers = signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=BODY, now=NOW)
    assert _verify(headers, now=NOW + offset_s) == int(NOW)


def test_a_forged_signature_is_refused_as_bad_not_as_stale() -> None:
    # A stale forgery must not tell the forger that only the clock was wrong.
    headers = signed_headers(client_id="local-dev", secret="guess", body=BODY, now=NOW - 10_000)
    with pytest.raises(BadSignature):
        _verify(headers)
