"""The entrance: durable first, and the citizen key made here from what the client sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from ledger.schema import InquiryRow
from ledger.store import Ledger
from models.inquiry import Inquiry
from streams.citizen_keys import CitizenKeys
from streams.intake import Intake
from streams.producer import Producer


def _intake(ledger: Ledger) -> Intake:
    # Never started: publishing fails and the inquiry waits durably for redelivery.
    producer = Producer(bootstrap_servers="127.0.0.1:9")
    return Intake(
        ledger=ledger,
        producer=producer,
        topic="unused",
        citizen_keys=CitizenKeys(secret=b"test-secret"),
    )


def _stored(ledger: Ledger, inquiry_id: str) -> InquiryRow:
    with ledger.engine.connect() as connection:
        row = connection.execute(select(InquiryRow).where(InquiryRow.id == inquiry_id)).one()
    return row  # type: ignore[return-value]


def test_the_contact_becomes_a_key_and_is_not_stored(
    ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiry = make_inquiry(text="Hvornår kommer skraldebilen?")
    acceptance = asyncio.run(_intake(ledger).accept(inquiry, contact="+45 86 12 34 56"))
    row = _stored(ledger, acceptance.inquiry_id)
    assert row.citizen_key == CitizenKeys(secret=b"test-secret").key_for(
        contact="86123456", text=""
    )
    assert "86123456" not in row.envelope and "86 12 34 56" not in row.envelope
    assert row.citizen_key in row.envelope  # the worker sees it on the topic


def test_a_key_sent_by_the_client_is_not_trusted(
    ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    forged = "0" * 64
    inquiry = make_inquiry(text="Hvornår kommer skraldebilen?", citizen_key=forged)
    asyncio.run(_intake(ledger).accept(inquiry))
    assert _stored(ledger, inquiry.id).citizen_key is None
