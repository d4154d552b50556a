"""Bytes and headers to text when the declared character set is wrong, unknown or missing."""

from __future__ import annotations

import codecs
import re
from email.header import decode_header
from email.message import EmailMessage

# Mail labelled Latin-1 or ASCII is in practice often Windows-1252 (curly quotes, the euro
# sign) or UTF-8; the WHATWG encoding standard reads those labels the same way.
_LATIN1_LIKE = frozenset({"latin-1", "cp1252"})
_SURROGATES = re.compile(r"[\udc80-\udcff]")


def decode_bytes(payload: bytes, label: str | None) -> str:
    """Decode with the declared charset, falling back to UTF-8, then Windows-1252, never failing."""
    declared = _codec_name(label)
    if declared is None or declared in ("ascii", "utf-8"):
        candidates = ["utf-8", "cp1252"]
    elif declared in _LATIN1_LIKE:
        candidates = ["cp1252", "utf-8"]
    else:
        candidates = [declared, "utf-8", "cp1252"]
    for candidate in candidates:
        try:
            return payload.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            # LookupError: a label naming a codec that is not a text encoding (base64, rot13).
            continue
    # Latin-1 maps every byte, so the text is complete even when some letters are wrong.
    return payload.decode("latin-1")


def header_text(msg: EmailMessage, name: str) -> str:
    """A header's text, unfolded, with raw 8-bit bytes and unknown charsets decoded best-effort."""
    value = msg.get(name)
    if value is None:
        return ""
    text = str(value)
    if "\ufffd" in text:
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
        if raw is not None:
            text = _decode_raw_header(raw)
    return " ".join(text.split())


def without_surrogates(text: str) -> str:
    """Undo the parser's surrogate escapes of raw 8-bit bytes, decoding them best-effort."""
    if not _SURROGATES.search(text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def _decode_raw_header(raw: str) -> str:
    # The parser kept raw 8-bit bytes as surrogates; decode them, then any encoded words.
    text = without_surrogates(raw)
    parts = []
    for chunk, charset in decode_header(text):
        parts.append(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset))
    return "".join(parts)


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip('"')).name
    except LookupError:
        return None
    return {"iso8859-1": "latin-1", "us-ascii": "ascii", "windows-1252": "cp1252"}.get(name, name)
