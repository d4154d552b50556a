"""MIME to a ParsedMail: who wrote, about what, the text, attachments as metadata."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Literal, get_args

from bs4 import BeautifulSoup

from connectors.mail.automatic import NoReplyReason, no_reply_reason
from connectors.mail.charsets import decode_bytes, header_text, without_surrogates
from models.errors import MailParseError

ParkCode = Literal["empty", "not_mail", "no_content", "malformed", "too_large"]
PARK_CODES: tuple[ParkCode, ...] = get_args(ParkCode)

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_BLOCK_TAGS = (
    "p", "div", "br", "li", "tr", "table", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
)  # fmt: skip
_UNSEEN_TAGS = ("script", "style", "head", "title", "template")
_BLANK_LINES = re.compile(r"\n{3,}")
# Headers that identify a mail without a Message-ID, with its body (trace headers excluded:
# they differ between two copies of the same mail).
_IDENTIFYING_HEADERS = ("From", "To", "Cc", "Date", "Subject")


@dataclass(frozen=True)
class Attachment:
    """An attachment as metadata only; its content stays on the mail server."""

    filename: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMail:
    """What Indgang takes from one mail."""

    message_key: str
    message_id: str | None
    sender: str | None
    reply_to: str | None
    subject: str
    text: str
    attachments: tuple[Attachment, ...]
    no_reply: NoReplyReason | None


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse RFC 5322 bytes; MailParseError with a reason and a code when it is not a mail."""
    if not raw.strip():
        raise MailParseError("the mail is empty", code="empty")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)  # policy.default builds EmailMessage
    if not msg.keys():
        raise MailParseError("no header section: not an RFC 5322 mail", code="not_mail")
    try:
        return _parse(msg, raw)
    except MailParseError:
        raise
    except Exception as exc:
        # The standard library's header and MIME parsers raise a zoo of types on broken input.
        raise MailParseError(
            f"the mail cannot be parsed: {type(exc).__name__}", code="malformed"
        ) from exc


def message_key_of(message_id: str | None, msg: EmailMessage, raw: bytes) -> str:
    """sha256 hex of the normalised Message-ID, or of identifying headers and body without one."""
    if message_id is not None:
        return hashlib.sha256(message_id.lower().encode("utf-8")).hexdigest()
    digest = hashlib.sha256()
    for name in _IDENTIFYING_HEADERS:
        digest.update(f"{name}:{header_text(msg, name)}\n".encode())
    _headers, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        _headers, _separator, body = raw.partition(b"\n\n")
    digest.update(body)
    return digest.hexdigest()


def _parse(msg: EmailMessage, raw: bytes) -> ParsedMail:
    message_id = _message_id(header_text(msg, "Message-ID"))
    sender = _first_address(msg, "From")
    reply_to = _first_address(msg, "Reply-To") or sender
    subject = header_text(msg, "Subject")
    text = _body_text(msg)
    if not (subject.strip() or text.strip()):
        raise MailParseError("the mail has neither a subject nor any text", code="no_content")
    return ParsedMail(
        message_key=message_key_of(message_id, msg, raw),
        message_id=f"<{message_id}>" if message_id else None,
        sender=sender,
        reply_to=reply_to,
        subject=subject,
        text=text,
        attachments=tuple(_attachments(msg)),
        no_reply=no_reply_reason(msg, reply_to=reply_to),
    )


def _message_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    if found:
        return found.group(1)
    # Some clients leave out the angle brackets; anything else is no id at all.
    bare = value.strip()
    return bare if bare and " " not in bare and "@" in bare else None


def _first_address(msg: EmailMessage, name: str) -> str | None:
    header = msg.get(name)
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    for address in addresses:
        spec = without_surrogates(address.addr_spec)
        if address.username and address.domain and "\n" not in spec and "\r" not in spec:
            return spec
    return None


def _body_text(msg: EmailMessage) -> str:
    for kind in ("plain", "html"):
        part = msg.get_body(preferencelist=(kind,))
        if part is None:
            continue
        text = _part_text(part)
        if kind == "html":
            text = html_to_text(text)
        text = text.replace("\r\n", "\n").strip()
        if text:
            return text
    return ""


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail body: blocks on their own lines, entities decoded."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_UNSEEN_TAGS):
        tag.decompose()
    for tag in soup.find_all(_BLOCK_TAGS):
        if tag.name == "br":
            tag.replace_with("\n")
        else:
            tag.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _attachments(msg: EmailMessage) -> list[Attachment]:
    found: list[Attachment] = []
    body_parts = {id(p) for p in (msg.get_body(("plain",)), msg.get_body(("html",))) if p}
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop()
        content_type = part.get_content_type()
        if part.is_multipart() and content_type != "message/rfc822":
            stack.extend(reversed(part.get_payload()))  # type: ignore[arg-type]
            continue
        if id(part) in body_parts:
            continue
        filename = part.get_filename()
        inline_text = content_type in ("text/plain", "text/html") and filename is None
        if inline_text and part.get_content_disposition() != "attachment":
            continue
        found.append(
            Attachment(
                filename=without_surrogates(filename) if filename else None,
                content_type=content_type,
                size=_size(part),
            )
        )
    return found


def _size(part: Message) -> int:
    if part.get_content_type() == "message/rfc822":
        # A forwarded mail is one attachment; its own parts are not listed separately.
        return len(part.as_bytes())
    payload = part.get_payload(decode=True)
    return len(payload) if isinstance(payload, bytes) else 0
