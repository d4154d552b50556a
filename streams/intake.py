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
from streams.group_commit import GroupCommit
from streams.producer import Producer

log = logging.getLogger(__name__)
# Marking inquiries published is one transaction (one fsync) per this long at most.
MARK_GATHER_S = 0.25


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
        # Concurrent requests share one commit each way (streams/group_commit.py). Marks are
        # gathered for a while first: nobody waits for them but the redeliverer, every few s.
        self._accepts = GroupCommit(ledger.accept_many)
        self._marks: GroupCommit[Sequence[str], None] = GroupCommit(
            self._mark_published, gather_s=MARK_GATHER_S
        )

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
        acceptance = await self._accepts.submit(inquiry)
        if acceptance.status != "decided" and await self._publish([inquiry]):
            # Not waited for: published_at only keeps the redeliverer from sending it again
            # after `redelivery_after_s`; lost in a crash, it costs one harmless duplicate.
            self._marks.submit_nowait([inquiry.id]).add_done_callback(_log_failure)
        return acceptance

    async def publish(self, inquiries: Sequence[Inquiry]) -> bool:
        """Publish inquiries already in the ledger; a failure leaves them for redelivery."""
        if not await self._publish(inquiries):
            return False
        # Waited for: the redeliverer pages by published_at and must not see these again.
        await self._marks.submit([i.id for i in inquiries])
        return True

    async def _publish(self, inquiries: Sequence[Inquiry]) -> bool:
        try:
            await self.producer.publish(
                topic=self.topic,
                messages=[(i.id, encode("inquiry", i)) for i in inquiries],
            )
        except BrokerError as exc:
            # Durable already: the redeliverer publishes them once the broker is back.
            log.warning("publishing %d inquiries deferred: %s", len(inquiries), exc)
            return False
        return True

    def _mark_published(self, batches: Sequence[Sequence[str]]) -> list[None]:
        self.ledger.mark_published(inquiry_ids=[i for ids in batches for i in ids])
        return [None] * len(batches)


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("marking inquiries published failed; they may be redelivered: %s", exc)
