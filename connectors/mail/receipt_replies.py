"""Recognise machine mail about one of Indgang's own receipts: auto-replies and bounces."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from typing import Literal, get_args

from connectors.mail.automatic import NoReplyReason, no_reply_reason
from connectors.mail.charsets import header_text
from connectors.mail.receipt_message import (
    RECEIPT_FOR_HEADER,
    receipt_inquiry_id,
    receipt_message_id,
)

MachineReplyKind = Literal["auto_reply", "failed", "delayed", "bounce"]
MACHINE_REPLY_KINDS: tuple[MachineReplyKind, ...] = get_args(MachineReplyKind)
# The reasons a machine, not a citizen, wrote the mail; list and bulk mail answer no one.
MACHINE_REASONS: frozenset[NoReplyReason] = frozenset({"auto_reply", "bounce"})
# Inquiry ids looked up per mail: a genuine reply names one receipt, a forged one may name many.
MAX_CANDIDATES = 20
# A returned message as a DSN quotes it (RFC 3462): its headers, or the whole of it.
_RETURNED_TYPES = ("text/rfc822-headers", "message/rfc822")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")

# Inquiry ids to the message keys of those whose receipt went (or may have gone) out.
SentReceipts = Callable[[Collection[str]], Mapping[str, str]]


@dataclass(frozen=True)
class MachineReply:
    """Machine mail about one of our receipts: which receipt, and what the mail reports."""

    inquiry_id: str
    message_key: str
    kind: MachineReplyKind


@dataclass(frozen=True)
class _Reference:
    kind: MachineReplyKind
    inquiry_ids: tuple[str, ...]


def machine_reply_to_receipt(
    raw: bytes, *, from_address: str, sent_receipts: SentReceipts
) -> MachineReply | None:
    """The receipt this auto-reply or bounce is about; None for all other mail, forged or not."""
    reference = _reference(raw, from_address=from_address)
    if reference is None or not reference.inquiry_ids:
        return None
    # A Message-ID in the right form is not enough: it must be a receipt the ledger sent.
    sent = sent_receipts(reference.inquiry_ids)
    for inquiry_id in reference.inquiry_ids:
        if (message_key := sent.get(inquiry_id)) is not None:
            return MachineReply(inquiry_id=inquiry_id, message_key=message_key, kind=reference.kind)
    return None


def _reference(raw: bytes, *, from_address: str) -> _Reference | None:
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(msg, EmailMessage)  # policy.default builds EmailMessage
        # The reply address only decides "no_address", which is never a machine's reason.
        reason = no_reply_reason(msg, reply_to=None)
        if reason not in MACHINE_REASONS:
            return None
        referenced = _ids(header_text(msg, "In-Reply-To")) + _ids(header_text(msg, "References"))
        named: list[str] = []
        actions: set[str] = set()
        if msg.get_content_type() == "multipart/report":
            for part in msg.iter_parts():
                if part.get_content_type() == "message/delivery-status":
                    actions |= _actions(part)
                elif (returned := _returned_headers(part)) is not None:
                    referenced += _ids(header_text(returned, "Message-ID"))
                    named.append(header_text(returned, RECEIPT_FOR_HEADER))
            kind: MachineReplyKind = (
                "failed" if "failed" in actions else "delayed" if "delayed" in actions else "bounce"
            )
        else:
            kind = "auto_reply" if reason == "auto_reply" else "bounce"
    except Exception:
        # The standard library's parsers raise a zoo of types on broken input; such a mail is
        # about no receipt of ours and goes on to be taken in as any other.
        return None
    return _Reference(kind=kind, inquiry_ids=_inquiry_ids(referenced, named, from_address))


def _inquiry_ids(referenced: list[str], named: list[str], from_address: str) -> tuple[str, ...]:
    found = [
        inquiry_id
        for message_id in referenced
        if (inquiry_id := receipt_inquiry_id(message_id, from_address=from_address))
    ]
    # Our header only counts next to the Message-ID derived from it: never a header alone.
    wanted = {message_id.lower() for message_id in referenced}
    found += [
        inquiry_id
        for inquiry_id in named
        if inquiry_id
        and receipt_message_id(inquiry_id=inquiry_id, from_address=from_address).lower() in wanted
    ]
    return tuple(dict.fromkeys(found))[:MAX_CANDIDATES]


def _ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _actions(part: Message) -> set[str]:
    # The parser reads a delivery-status body as blocks of fields: per message, per recipient.
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return set()
    actions = set()
    for block in blocks:
        if not isinstance(block, Message):
            continue
        # "failed (permanent)": the action is the first word, any comment after it.
        words = str(block.get("Action", "")).split()
        if words:
            actions.add(words[0].lower())
    return actions


def _returned_headers(part: Message) -> EmailMessage | None:
    content_type = part.get_content_type()
    if content_type not in _RETURNED_TYPES:
        return None
    headers: object = None
    if content_type == "text/rfc822-headers":
        text = part.get_payload(decode=True)
        if isinstance(text, bytes):
            headers = BytesHeaderParser(policy=policy.default).parsebytes(text)
    else:
        payload = part.get_payload()
        headers = payload[0] if isinstance(payload, list) and payload else None
    return headers if isinstance(headers, EmailMessage) else None
