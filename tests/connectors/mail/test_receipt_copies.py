"""A copy of Indgang's own receipt is known by sender, header and a Message-ID that must agree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from connectors.mail.receipt_copies import receipt_copy_of
from connectors.mail.receipt_message import compose_receipt
from models.decision import RoutingDecision
from models.inquiry import Inquiry

FROM = "kvittering@kommune.example"


def _receipt_bytes(inquiry: Inquiry, make_decision: Callable[..., RoutingDecision]) -> bytes:
    message = compose_receipt(
        inquiry=inquiry, decision=make_decision(inquiry.id), to="borger@example.org",
        from_address=FROM, now=datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
    )  # fmt: skip
    return message.as_bytes()


def test_our_own_receipt_is_recognised_with_the_inquiry_it_belongs_to(
    make_inquiry: Callable[..., Inquiry], make_decision: Callable[..., RoutingDecision]
) -> None:
    inquiry = make_inquiry(id="mail-0123abcd", channel="mail")
    raw = _receipt_bytes(inquiry, make_decision)
    assert receipt_copy_of(raw, from_address=FROM) == "mail-0123abcd"
    assert receipt_copy_of(raw, from_address=FROM.upper()) == "mail-0123abcd"


def test_a_mail_from_another_sender_or_with_a_forged_header_is_no_receipt_of_ours(
    make_inquiry: Callable[..., Inquiry], make_decision: Callable[..., RoutingDecision]
) -> None:
    raw = _receipt_bytes(make_inquiry(id="mail-0123abcd", channel="mail"), make_decision)
    assert receipt_copy_of(raw, from_address="andet@kommune.example") is None
    forged = raw.replace(b"X-Indgang-Receipt-For: mail-0123abcd", b"X-Indgang-Receipt-For: mail-9")
    assert receipt_copy_of(forged, from_address=FROM) is None


def test_an_ordinary_or_broken_mail_is_no_receipt_of_ours(make_mail: Callable[..., bytes]) -> None:
    assert receipt_copy_of(make_mail(sender=FROM), from_address=FROM) is None
    assert receipt_copy_of(b"\xff\xfe\x00 not a mail", from_address=FROM) is None
    assert receipt_copy_of(b"", from_address=FROM) is None
