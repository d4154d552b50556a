"""Phone call events from the telephony platform or voicebot: started, transcript, hung up.

A transcript becomes the call's inquiry on channel `phone`, its id derived from the call id,
so a retried event meets the inquiry it made. A hang-up is recorded on the call: whether the
inquiry was still undecided then (it is decided and queued all the same). A call that ends
before any transcript is recorded as an abandoned call: an inquiry of its own, so the queue
calls back; the caller's number is not kept, and the call id finds it in the telephony platform.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from config.settings import BotClient
from connectors.api_models import (
    Accepted,
    CallEvent,
    CallHungUp,
    CallStarted,
    CallState,
    CallTranscript,
)
from connectors.webhook import BotRequest, Webhook
from ledger.calls import Call, Calls
from models.inquiry import Inquiry

ABANDONED_SUBJECT = "Afbrudt opkald"
ABANDONED_TEXT = "Borgeren lagde på, før samtalen begyndte. Ring borgeren tilbage."


def call_inquiry_id(*, client_id: str, call_id: str, abandoned: bool = False) -> str:
    """The id of a call's inquiry: readable, and the same for every retry of the event."""
    return f"call:{client_id}:{call_id}" + (":abandoned" if abandoned else "")


class CallEvents:
    """Turns call events into inquiries and call records."""

    def __init__(self, *, webhook: Webhook, calls: Calls) -> None:
        self.webhook = webhook
        self.calls = calls

    async def handle(
        self,
        *,
        client: BotClient,
        call_id: str,
        event: CallEvent,
        body_sha256: str,
        wait_s: float | None,
    ) -> tuple[int, CallState]:
        """Record one event; raises like Webhook.accept for a transcript."""
        at = event.at or datetime.now(UTC)
        if isinstance(event, CallStarted):
            call = await asyncio.to_thread(
                self.calls.started, client_id=client.id, call_id=call_id, at=at
            )
            return 200, _state(call, "started")
        if isinstance(event, CallTranscript):
            inquiry = Inquiry(
                id=call_inquiry_id(client_id=client.id, call_id=call_id),
                channel="phone",
                received_at=at,
                text=event.text,
                language=event.language,
                source={"call_id": call_id, "client": client.id},
            )
            status, receipt = await self.webhook.accept(
                BotRequest(
                    client=client,
                    inquiry=inquiry,
                    contact=event.caller,
                    body_sha256=body_sha256,
                    # A space cannot occur in a header key, so this never meets a client's own.
                    idempotency_key=f"call transcript {call_id}",
                    wait_s=wait_s,
                )
            )
            call = await asyncio.to_thread(
                self.calls.transcribed,
                client_id=client.id,
                call_id=call_id,
                inquiry_id=inquiry.id,
                at=at,
            )
            return status, _state(call, "transcript", receipt)
        return await self._hung_up(client=client, call_id=call_id, event=event, at=at)

    async def _hung_up(
        self, *, client: BotClient, call_id: str, event: CallHungUp, at: datetime
    ) -> tuple[int, CallState]:
        known = await asyncio.to_thread(self.calls.get, client_id=client.id, call_id=call_id)
        receipt: Accepted | None = None
        abandoned_id: str | None = None
        if known is None or known.inquiry_id is None:
            abandoned_id = call_inquiry_id(client_id=client.id, call_id=call_id, abandoned=True)
            abandoned = Inquiry(
                id=abandoned_id,
                channel="phone",
                received_at=known.started_at if known and known.started_at else at,
                subject=ABANDONED_SUBJECT,
                text=ABANDONED_TEXT,
                source={"call_id": call_id, "client": client.id, "abandoned": True},
            )
            _, receipt = await self.webhook.accept(
                BotRequest(
                    client=client,
                    inquiry=abandoned,
                    contact=event.caller,
                    body_sha256="",
                    idempotency_key=None,
                    wait_s=None,
                )
            )
        call = await asyncio.to_thread(
            self.calls.hung_up,
            client_id=client.id,
            call_id=call_id,
            at=at,
            abandoned_inquiry_id=abandoned_id,
        )
        return 200, _state(call, "hung_up", receipt)


def _state(call: Call, event: str, receipt: Accepted | None = None) -> CallState:
    return CallState.model_validate(
        {
            "call_id": call.call_id,
            "event": event,
            "inquiry_id": call.inquiry_id,
            "started_at": call.started_at,
            "hung_up_at": call.hung_up_at,
            "hung_up_before_decision": call.hung_up_before_decision,
            "abandoned": call.abandoned,
            "receipt": receipt,
        }
    )
