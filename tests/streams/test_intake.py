"""The entrance: durable first, and the citizen key made here from what the client sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import select

from ledger.schema import InquiryRow
from ledger.store import Acceptance, Ledger
from models.inquiry import Inquiry
from streams.citizen_keys import CitizenKeys
from streams.embedded_broker import EmbeddedBroker
from streams.intake import Intake
from streams.producer import Producer


def _accept(
    broker: EmbeddedBroker, ledger: Ledger, inquiry: Inquiry, contact: str | None = None
) -> Acceptance:
    """Accept through a real producer on the real broker, as the HTTP side does."""

    async def run() -> Acceptance:
        producer = Producer(bootstrap_servers=broker.bootstrap_servers)
        await producer.start()
        try:
            intake = Intake(
                ledger=ledger,
                producer=producer,
                topic="intake-test.inquiries",
                citizen_keys=CitizenKeys(secret=b"test-secret"),
            )
            return await intake.accept(inquiry, contact=contact)
        finally:
            await producer.stop()

    return asyncio.run(run())


pytestmark = pytest.mark.broker


def _stored(ledger: Ledger, inquiry_id: str) -> InquiryRow:
    with ledger.engine.connect() as connection:
        row = connection.execute(select(InquiryRow).where(InquiryRow.id == inquiry_id)).one()
    return row  # type: ignore[return-value]


def test_the_contact_becomes_a_key_and_is_not_stored(
    broker: EmbeddedBroker, ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiry = make_inquiry(text="Hvornår kommer skraldebilen?")
    acceptance = _accept(broker, ledger, inquiry, contact="+45 86 12 34 56")
    row = _stored(ledger, acceptance.inquiry_id)
    assert row.citizen_key == CitizenKeys(secret=b"test-secret").key_for(
        contact="86123456", text=""
    )
    assert "86123456" not in row.envelope and "86 12 34 56" not in row.envelope
    assert row.citizen_key in row.envelope  # the worker sees it on the topic


def test_a_key_sent_by_the_client_is_not_trusted(
    broker: EmbeddedBroker, ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    forged = "0" * 64
    inquiry = make_inquiry(text="Hvornår kommer skraldebilen?", citizen_key=forged)
    _accept(broker, ledger, inquiry)
    assert _stored(ledger, inquiry.id).citizen_key is None
