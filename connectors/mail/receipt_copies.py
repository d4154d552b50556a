"""Recognise a copy of one of Indgang's own receipts arriving in a watched mailbox."""

from __future__ import annotations

from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from connectors.mail.receipt_message import RECEIPT_FOR_HEADER, receipt_message_id


def receipt_copy_of(raw: bytes, *, from_address: str) -> str | None:
    """The inquiry id whose receipt this mail is a copy of; None for every other mail."""
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        inquiry_id = str(headers.get(RECEIPT_FOR_HEADER, "")).strip()
        sender = parseaddr(str(headers.get("From", "")))[1]
        message_id = str(headers.get("Message-ID", "")).strip()
    except Exception:
        # The standard library's header parser raises a zoo of types on broken input; such a
        # mail is no receipt of ours and goes on to be parsed (and parked) as any other.
        return None
    if not inquiry_id or sender.lower() != from_address.lower():
        return None
    # The Message-ID is a function of the inquiry id, so a stray header alone settles nothing.
    expected = receipt_message_id(inquiry_id=inquiry_id, from_address=from_address)
    if message_id.lower() != expected.lower():
        return None
    return inquiry_id
