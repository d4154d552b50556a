"""The Danish receipt for a mailed inquiry: the answer itself, or when an answer will come."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from models.decision import RoutingDecision
from models.inquiry import Inquiry

AARHUS = ZoneInfo("Europe/Copenhagen")
_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
_REPLY_PREFIX = re.compile(r"^\s*(re|sv|svar|aw)\s*:", re.IGNORECASE)
_NOT_ATEXT = re.compile(r"[^A-Za-z0-9.-]")
_RECEIPT_ID = re.compile(r"<kvittering\.([A-Za-z0-9.-]+)@[^<>@\s]+>", re.IGNORECASE)
# Names the inquiry a receipt belongs to, so a copy coming back can settle that receipt.
RECEIPT_FOR_HEADER = "X-Indgang-Receipt-For"


def danish_time(moment: datetime) -> str:
    """'fredag den 27. november 2026 kl. 15.00', in Aarhus time."""
    local = moment.astimezone(AARHUS)
    weekday, month = _WEEKDAYS[local.weekday()], _MONTHS[local.month - 1]
    return f"{weekday} den {local.day}. {month} {local.year} kl. {local:%H.%M}"


def receipt_message_id(*, inquiry_id: str, from_address: str) -> str:
    """The same Message-ID for every attempt, so a receipt sent twice is recognisably one."""
    domain = from_address.rsplit("@", 1)[1]
    return f"<kvittering.{_NOT_ATEXT.sub('-', inquiry_id)}@{domain}>"


def receipt_inquiry_id(message_id: str, *, from_address: str) -> str | None:
    """The inquiry id a receipt Message-ID of ours names; None for any other Message-ID."""
    found = _RECEIPT_ID.fullmatch(message_id.strip())
    if found is None:
        return None
    inquiry_id = found.group(1)
    # Only an id sent from our own domain is ours; whether the inquiry exists is the ledger's.
    expected = receipt_message_id(inquiry_id=inquiry_id, from_address=from_address)
    return inquiry_id if message_id.strip().lower() == expected.lower() else None


def compose_receipt(
    *, inquiry: Inquiry, decision: RoutingDecision, to: str, from_address: str, now: datetime
) -> EmailMessage:
    """The receipt as a mail: threaded to the original, marked as an automatic reply."""
    msg = EmailMessage()
    msg["From"] = from_address
    msg["To"] = to
    msg["Subject"] = _subject(inquiry.subject)
    msg["Date"] = format_datetime(now.astimezone(AARHUS))
    msg["Message-ID"] = receipt_message_id(inquiry_id=inquiry.id, from_address=from_address)
    msg[RECEIPT_FOR_HEADER] = inquiry.id
    original = inquiry.source.get("message_id")
    if isinstance(original, str) and original:
        msg["In-Reply-To"] = original
        msg["References"] = original
    # RFC 3834, so well-behaved auto-responders never answer it; Exchange reads the second.
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(receipt_text(inquiry=inquiry, decision=decision, now=now))
    return msg


def receipt_text(*, inquiry: Inquiry, decision: RoutingDecision, now: datetime) -> str:
    """The body: the answer when resolved at once, else the latest time to expect one."""
    lines = ["Tak for din henvendelse til Aarhus Kommune.", ""]
    if decision.action == "resolve" and decision.answer is not None:
        answer = decision.answer
        lines += ["Her er svaret på dit spørgsmål:", "", answer.text.strip(), ""]
        if answer.link:
            lines.append(f"Læs mere: {answer.link}")
        if answer.phone:
            lines.append(f"Telefon: {answer.phone}")
        if answer.link or answer.phone:
            lines.append("")
        lines += ["Dækker svaret ikke dit spørgsmål, er du velkommen til at skrive igen.", ""]
    else:
        assert decision.due_at is not None  # the model guarantees it for queued decisions
        # Due times count from when the citizen wrote, so a mail read late (a backlog, an
        # outage) or an urgent one can be due already: never promise a time that has passed.
        when = (
            f"senest {danish_time(decision.due_at)}" if decision.due_at > now else "hurtigst muligt"
        )
        lines += [
            "Vi har modtaget din henvendelse og sendt den videre til den afdeling, der kan"
            " hjælpe dig.",
            "",
            f"Du kan forvente svar {when}.",
            "",
        ]
    lines += [
        f"Referencenummer: {inquiry.id}",
        "Oplys referencenummeret, hvis du kontakter os igen om samme sag.",
        "",
        "Venlig hilsen",
        "Aarhus Kommune",
        "",
        "Denne mail er sendt automatisk.",
    ]
    return "\n".join(lines) + "\n"


def _subject(original: str) -> str:
    subject = " ".join(original.split())[:200]
    if not subject:
        return "Vi har modtaget din henvendelse"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"
