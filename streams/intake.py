"""The entrance to the streams: make an inquiry durable first, then publish it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from ledger.store import Acceptance, Ledger
from models.errors import BrokerError
from models.inquiry import Inquiry
from models.wire import encode
from streams.citizen_keys import CitizenKeys
from streams.producer import Producer

log = logging.getLogger(__name__)


class Intake:
    """Every connector hands inquiries to this; the ledger is written before anyone is told yes."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        producer: Producer,
        topic: str,
        citizen_keys: CitizenKeys | None = None,
    ) -> None:
        self.ledger = ledger
        self.producer = producer
        self.topic = topic
        self.citizen_keys = citizen_keys

    async def accept(self, inquiry: Inquiry, *, contact: str | None = None) -> Acceptance:
        """Record the inquiry durably, then publish it; raises LedgerUnavailable if not durable.

        `contact` (the sender's phone number or mail address) only feeds the citizen key; the
        entrance makes that key itself and never keeps a key a client sent.
        """
        key = (
            self.citizen_keys.key_for(contact=contact, text=inquiry.full_text)
            if self.citizen_keys is not None
            else None
        )
        if key != inquiry.citizen_key:
            inquiry = inquiry.model_copy(update={"citizen_key": key})
        acceptance = await asyncio.to_thread(self.ledger.accept, inquiry)
        if acceptance.status != "decided":
            await self.publish([inquiry])
        return acceptance

    async def publish(self, inquiries: Sequence[Inquiry]) -> bool:
        """Publish inquiries already in the ledger; a failure leaves them for redelivery."""
        try:
            await self.producer.publish(
                topic=self.topic,
                messages=[(i.id, encode("inquiry", i)) for i in inquiries],
            )
        except BrokerError as exc:
            # Durable already: the redeliverer publishes them once the broker is back.
            log.warning("publishing %d inquiries deferred: %s", len(inquiries), exc)
            return False
        await asyncio.to_thread(self.ledger.mark_published, inquiry_ids=[i.id for i in inquiries])
        return True
