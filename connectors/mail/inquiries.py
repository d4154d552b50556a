"""A parsed mail as an inquiry, with an id that is the same however often the mail is read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from connectors.mail.parsing import ParsedMail
from models.errors import MailParseError
from models.inquiry import MAX_TEXT_CHARS, Inquiry
from models.wire import summarise_validation

MAX_SUBJECT_CHARS = 1_000


def inquiry_id_for(message_key: str) -> str:
    """The inquiry id of a mail: re-reading it after a crash finds the inquiry already made."""
    return f"mail-{message_key[:32]}"


def inquiry_from_mail(parsed: ParsedMail, *, mailbox: str, received_at: datetime) -> Inquiry:
    """Build the mail's inquiry; the whole mail stays on the server, so cutting text loses none."""
    truncated = len(parsed.text) > MAX_TEXT_CHARS or len(parsed.subject) > MAX_SUBJECT_CHARS
    source: dict[str, Any] = {
        "mailbox": mailbox,
        "message_id": parsed.message_id,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in parsed.attachments
        ],
        "truncated": truncated,
    }
    try:
        return Inquiry(
            id=inquiry_id_for(parsed.message_key),
            channel="mail",
            received_at=received_at,
            subject=parsed.subject[:MAX_SUBJECT_CHARS],
            text=parsed.text[:MAX_TEXT_CHARS],
            source=source,
        )
    except ValidationError as exc:
        raise MailParseError(
            f"the mail is not a valid inquiry: {summarise_validation(exc)}", code="malformed"
        ) from exc
