"""The receipt's wording and headers, built from an inquiry and its decision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from config.knowledge import load_knowledge_base
from connectors.mail.receipt_message import (
    compose_receipt,
    danish_time,
    receipt_inquiry_id,
    receipt_message_id,
)
from models.classification import Classification
from models.decision import Answer, RoutingDecision
from models.inquiry import Inquiry

FROM = "kvittering@kommune.example"


@pytest.fixture
def mail_inquiry(make_inquiry: Callable[..., Inquiry]) -> Callable[..., Inquiry]:
    """Factory for inquiries as the mail connector makes them."""

    def make(**overrides: Any) -> Inquiry:
        fields: dict[str, Any] = {
            "id": "mail-0123456789abcdef0123456789abcdef",
            "channel": "mail",
            "subject": "Storskrald",
            "text": "Hvornår bliver der hentet storskrald?",
            "source": {"mailbox": "post", "message_id": "<orig-1@example.org>"},
        }
        fields.update(overrides)
        return make_inquiry(**fields)

    return make


@pytest.fixture
def make_decision(
    make_classification: Callable[..., Classification],
) -> Callable[..., RoutingDecision]:
    """Factory for decisions: queued with a due time unless told otherwise."""

    def make(**overrides: Any) -> RoutingDecision:
        fields: dict[str, Any] = {
            "inquiry_id": "mail-0123456789abcdef0123456789abcdef",
            "action": "queue",
            "queue": "mtm.affald",
            "priority": 5,
            "due_at": datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
            "reason": "test",
            "classification": make_classification(service_area="mtm.affald"),
        }
        fields.update(overrides)
        return RoutingDecision(**fields)

    return make


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 27, 14, 0, tzinfo=UTC), "fredag den 27. november 2026 kl. 15.00"),
        (datetime(2026, 7, 1, 22, 30, tzinfo=UTC), "torsdag den 2. juli 2026 kl. 00.30"),
    ],
    ids=["winter-time", "summer-time-after-midnight"],
)
def test_due_times_are_written_in_danish_in_aarhus_time(moment: datetime, text: str) -> None:
    assert danish_time(moment) == text


@pytest.mark.parametrize(
    ("sent", "promise"),
    [
        (
            datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
            "senest fredag den 27. november 2026 kl. 15.00.",
        ),
        # Mail read a week late: its due time, counted from when it was written, has passed.
        (datetime(2026, 11, 28, 8, 0, tzinfo=UTC), "hurtigst muligt."),
    ],
    ids=["before-the-due-time", "after-the-due-time"],
)
def test_a_queued_inquiry_s_receipt_names_the_latest_answer_time_never_a_past_one(
    mail_inquiry: Callable[..., Inquiry],
    make_decision: Callable[..., RoutingDecision],
    sent: datetime,
    promise: str,
) -> None:
    inquiry = mail_inquiry()
    msg = compose_receipt(
        inquiry=inquiry,
        decision=make_decision(),
        to="borger@example.org",
        from_address=FROM,
        now=sent,
    )
    body = msg.get_content()
    assert f"Du kan forvente svar {promise}" in body
    assert body.count("senest") == promise.count("senest")
    assert f"Referencenummer: {inquiry.id}" in body
    assert msg["To"] == "borger@example.org"
    assert msg["Subject"] == "Re: Storskrald"


def test_a_resolved_inquiry_s_receipt_is_the_answer_with_its_link_and_phone(
    mail_inquiry: Callable[..., Inquiry], make_decision: Callable[..., RoutingDecision]
) -> None:
    entry = next(e for e in load_knowledge_base().entries.values() if e.link and e.phone)
    answer = Answer(text=entry.answer, link=entry.link, phone=entry.phone, source_id=entry.id)
    decision = make_decision(action="resolve", answer=answer, due_at=None)
    msg = compose_receipt(
        inquiry=mail_inquiry(),
        decision=decision,
        to="borger@example.org",
        from_address=FROM,
        now=datetime.now(UTC),
    )
    body = msg.get_content()
    assert entry.answer.strip() in body
    assert f"Læs mere: {entry.link}" in body
    assert f"Telefon: {entry.phone}" in body
    assert "forvente svar" not in body


def test_the_receipt_is_threaded_to_the_original_and_marked_as_an_automatic_reply(
    mail_inquiry: Callable[..., Inquiry], make_decision: Callable[..., RoutingDecision]
) -> None:
    inquiry = mail_inquiry()
    msg = compose_receipt(
        inquiry=inquiry,
        decision=make_decision(),
        to="borger@example.org",
        from_address=FROM,
        now=datetime.now(UTC),
    )
    assert msg["In-Reply-To"] == msg["References"] == "<orig-1@example.org>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Message-ID"] == receipt_message_id(inquiry_id=inquiry.id, from_address=FROM)
    assert msg["Message-ID"] == f"<kvittering.{inquiry.id}@kommune.example>"


def test_a_receipt_message_id_of_ours_gives_back_the_inquiry_id_it_was_derived_from() -> None:
    inquiry_id = "mail-0123456789abcdef0123456789abcdef"
    message_id = receipt_message_id(inquiry_id=inquiry_id, from_address=FROM)
    assert receipt_inquiry_id(message_id, from_address=FROM) == inquiry_id


@pytest.mark.parametrize(
    "message_id",
    [
        "<kvittering.mail-0123@andet.example>",
        "<mail-0123@kommune.example>",
        "<kvittering.mail-0123@kommune.example> <x@example.org>",
        "kvittering.mail-0123@kommune.example",
        "",
    ],
)
def test_any_other_message_id_names_no_inquiry(message_id: str) -> None:
    assert receipt_inquiry_id(message_id, from_address=FROM) is None


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Sv: Plads i vuggestue", "Sv: Plads i vuggestue"),
        ("RE: Plads", "RE: Plads"),
        ("", "Vi har modtaget din henvendelse"),
        ("Linje\r\n en", "Re: Linje en"),
    ],
)
def test_the_subject_replies_once_and_never_carries_a_line_break(
    mail_inquiry: Callable[..., Inquiry],
    make_decision: Callable[..., RoutingDecision],
    subject: str,
    expected: str,
) -> None:
    msg = compose_receipt(
        inquiry=mail_inquiry(subject=subject, text="hej"),
        decision=make_decision(),
        to="borger@example.org",
        from_address=FROM,
        now=datetime.now(UTC),
    )
    assert msg["Subject"] == expected
