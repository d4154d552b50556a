"""Mail that must never be answered: auto-replies, bounces and list mail (no mail loops)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Literal, get_args

from connectors.mail.charsets import header_text

NoReplyReason = Literal["auto_reply", "bounce", "list", "bulk", "no_address"]
NO_REPLY_REASONS: tuple[NoReplyReason, ...] = get_args(NoReplyReason)

_DAEMONS = ("mailer-daemon", "postmaster")
# Outlook's request to auto-responders; OOF alone only concerns out-of-office notices.
_SUPPRESS_ALL = frozenset({"all", "autoreply"})


def no_reply_reason(msg: EmailMessage, *, reply_to: str | None) -> NoReplyReason | None:
    """Why this mail gets no receipt, or None when one may be sent."""
    auto_submitted = header_text(msg, "Auto-Submitted").lower()
    # RFC 3834: any value but "no" marks mail sent by a machine.
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto_reply"
    if any(header_text(msg, name) for name in ("X-Autoreply", "X-Autorespond")):
        return "auto_reply"
    suppress = {t.strip().lower() for t in header_text(msg, "X-Auto-Response-Suppress").split(",")}
    if suppress & _SUPPRESS_ALL:
        return "auto_reply"
    if _is_bounce(msg):
        return "bounce"
    precedence = header_text(msg, "Precedence").lower()
    if precedence == "list" or header_text(msg, "List-Id") or header_text(msg, "List-Unsubscribe"):
        return "list"
    if precedence in ("bulk", "junk"):
        return "bulk"
    if precedence == "auto_reply":
        return "auto_reply"
    if reply_to is None:
        return "no_address"
    return None


def _is_bounce(msg: EmailMessage) -> bool:
    # DSNs and read receipts (MDNs) are both multipart/report.
    if msg.get_content_type() == "multipart/report":
        return True
    return_path = header_text(msg, "Return-Path")
    if return_path.replace(" ", "") == "<>":
        return True
    senders = f"{return_path} {header_text(msg, 'From')}".lower()
    return any(f"{daemon}@" in senders or f"<{daemon}>" in senders for daemon in _DAEMONS)
