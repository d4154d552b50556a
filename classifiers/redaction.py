"""Replace CPR numbers, Danish phone numbers and mail addresses in free text."""

from __future__ import annotations

import re

# Known gap: personal names, addresses and numbers spelled out in phone transcripts
# ("to tre nul fem ...") pass through; the spaCy classifier is to handle those.

# Day 01-31 and month 01-12 keep invoice and case numbers out; digit look-arounds keep
# the pattern from firing inside a longer number.
_CPR = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[- ]?\d{4}(?!\d)")
# Eight digits, whole or grouped 4+4 or 2+2+2+2, optionally after +45 or 0045. Any other
# eight-digit number (a CVR or an invoice number) is redacted too: erring towards
# over-redaction is the safe side.
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)45 ?)?(?:\d{8}|\d{4} \d{4}|\d{2} \d{2} \d{2} \d{2})(?!\d)"
)
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")

# Mail first, so digits in an address do not leave half an address behind; CPR before
# phone, so a CPR written with a space is not read as a phone number.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_EMAIL, "[EMAIL]"),
    (_CPR, "[CPR]"),
    (_PHONE, "[TELEFON]"),
)


def redact(text: str) -> str:
    """Return text with CPR numbers, phone numbers and mail addresses replaced."""
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text
