"""HMAC-SHA256 request signatures over timestamp and body, for webhooks in both directions.

A signed request carries three headers: the client id, the Unix time in seconds, and
`sha256=<hex>` of HMAC-SHA256(secret, f"{timestamp}.".encode() + body). The timestamp is
inside the signature, so a captured request cannot be re-dated; a timestamp further than
`max_age_s` from now (either way) is refused, so a capture is only replayable inside that window.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from models.errors import BadSignature, StaleSignature, Unsigned

CLIENT_HEADER = "X-Indgang-Client"
TIMESTAMP_HEADER = "X-Indgang-Timestamp"
SIGNATURE_HEADER = "X-Indgang-Signature"
SCHEME = "sha256="


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `{timestamp}.` followed by the body."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(
    *, client_id: str, secret: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The three headers that sign `body` as `client_id` at `now` (default: the clock)."""
    timestamp = int(time.time() if now is None else now)
    return {
        CLIENT_HEADER: client_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: SCHEME + sign(secret=secret, timestamp=timestamp, body=body),
    }


def verify(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    max_age_s: int,
    now: float | None = None,
) -> int:
    """Return the signed timestamp, or raise Unsigned, BadSignature or StaleSignature."""
    if not timestamp or not signature:
        missing = TIMESTAMP_HEADER if not timestamp else SIGNATURE_HEADER
        raise Unsigned(f"{missing} header is missing; sign every request")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature(f"{TIMESTAMP_HEADER} must be Unix time in whole seconds")
    if not signature.startswith(SCHEME):
        raise BadSignature(f"{SIGNATURE_HEADER} must be '{SCHEME}' followed by hex")
    signed_at = int(timestamp)
    expected = sign(secret=secret, timestamp=signed_at, body=body)
    # Compared before the clock so a forger learns nothing from which check failed first.
    given = signature[len(SCHEME) :].strip().lower().encode("utf-8", errors="replace")
    if not hmac.compare_digest(expected.encode("ascii"), given):
        raise BadSignature("signature does not match the body and timestamp")
    skew = (time.time() if now is None else now) - signed_at
    if abs(skew) > max_age_s:
        when = "old" if skew > 0 else "in the future"
        raise StaleSignature(
            f"timestamp is {abs(skew):.0f} s {when}; the limit is {max_age_s} s (check the clock)"
        )
    return signed_at
