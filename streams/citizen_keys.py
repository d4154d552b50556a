"""Pseudonymous citizen keys: a keyed hash of a CPR number, phone number or mail address."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

# DDMMYY-SSSS with or without the dash; the date part is checked so order numbers don't match.
_CPR = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2})-?(\d{4})(?![\d-])")
_MAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DANISH_PREFIX = re.compile(r"^(?:\+|00)45")


class CitizenKeys:
    """Makes the same key for the same person and channel identity; the value is never kept."""

    def __init__(self, *, secret: bytes) -> None:
        if not secret:
            raise ValueError("a citizen key needs a secret")
        self._secret = secret

    def key_for(self, *, contact: str | None, text: str) -> str | None:
        """The key of the contact given, else of the first CPR number in the text, else None."""
        identity = (normalised_contact(contact) if contact else None) or first_cpr(text)
        if identity is None:
            return None
        return hmac.new(self._secret, identity.encode("utf-8"), hashlib.sha256).hexdigest()


def normalised_contact(contact: str) -> str | None:
    """`mail:` plus the lower-cased address, or `tel:` plus the national digits; None if neither."""
    value = contact.strip()
    if _MAIL.match(value):
        return f"mail:{value.lower()}"
    digits = re.sub(r"[\s().-]", "", value)
    digits = _DANISH_PREFIX.sub("", digits)
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.isdigit() and 8 <= len(digits) <= 15:
        return f"tel:{digits}"
    return None


def first_cpr(text: str) -> str | None:
    """`cpr:` plus the ten digits of the first valid-looking CPR number in a text."""
    for match in _CPR.finditer(text):
        day, month, year = (int(g) for g in match.groups()[:3])
        try:
            date(2000 + year, month, day)
        except ValueError:
            continue
        return "cpr:" + "".join(match.groups())
    return None
