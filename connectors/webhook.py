"""The bot webhook's acceptance: idempotent by key or id, synchronous when asked, callbacks owed.

Replay protection, in full: a signature covers the timestamp, and a timestamp outside the
window is refused (connectors.signing). Inside the window, a replayed request is harmless: it
carries the same `id`, or the same Idempotency-Key, or, with neither, the same signed timestamp
and body, from which the inquiry id is derived; each way it meets the inquiry it made and is
answered as a duplicate. Only byte-identical bodies signed in the same second share an id, so
a bot that may send those (two citizens typing "hej" at once) sends an id or a key.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from config.catalogue import Catalogue
from config.settings import BotClient
from connectors.api_models import RECEIVED_AT_MAX_AHEAD_S, Accepted, InquiryRequest, client_clock
from connectors.decision_waiter import DecisionWaiter
from connectors.replies import bot_reply
from ledger.callbacks import Callbacks
from ledger.idempotency import IdempotencyKeys
from models.decision import RoutingDecision
from models.errors import IdempotencyConflict, PayloadError
from models.inquiry import Inquiry
from models.wire import summarise_validation
from streams.intake import Intake
from streams.metrics import Metrics

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_WAIT = re.compile(r"(?:^|[\s,;])wait\s*=\s*\"?(\d{1,4})\"?", re.IGNORECASE)


@dataclass(frozen=True)
class BotRequest:
    """One authenticated request to accept: who sent it, what, and how to answer."""

    client: BotClient
    inquiry: Inquiry
    contact: str | None
    body_sha256: str
    idempotency_key: str | None
    wait_s: float | None


def parse_bot_inquiry(
    data: dict[str, Any],
    *,
    now: datetime | None = None,
    received_at_max_ahead_s: int = RECEIVED_AT_MAX_AHEAD_S,
) -> tuple[Inquiry, str | None, bool]:
    """The inquiry, the sender's contact (never stored) and whether the body named an id."""
    clock = client_clock(now=now or datetime.now(UTC), max_ahead_s=received_at_max_ahead_s)
    try:
        request = InquiryRequest.model_validate(data, context=clock)
    except ValidationError as exc:
        raise PayloadError(
            f"invalid inquiry: {summarise_validation(exc)}",
            detail=exc.errors(include_url=False, include_input=False, include_context=False),
        ) from exc
    inquiry = Inquiry.model_validate(request.model_dump(exclude={"contact"}))
    return inquiry, request.contact, "id" in request.model_fields_set


def idempotency_key(value: str | None) -> str | None:
    """The Idempotency-Key header checked: 1-255 visible ASCII characters, or absent."""
    if value is None:
        return None
    if not _KEY.match(value):
        raise PayloadError("Idempotency-Key must be 1-255 visible ASCII characters")
    return value


def wait_preference(prefer: str | None, *, cap_s: float) -> float | None:
    """Seconds to wait for the decision from `Prefer: wait=N` (RFC 7240), capped; None: async."""
    if not prefer or "respond-async" in prefer.lower():
        return None
    match = _WAIT.search(prefer)
    if match is None or int(match.group(1)) == 0:
        return None
    return min(float(match.group(1)), cap_s)


def derived_id(*, client_id: str, kind: str, value: str) -> str:
    """A stable inquiry id for a request that named none, from what makes it unique."""
    digest = hashlib.sha256(f"{client_id}\0{kind}\0{value}".encode()).hexdigest()
    return f"{client_id}-{digest[:32]}"


def body_sha256(body: bytes) -> str:
    """The hash an Idempotency-Key is bound to."""
    return hashlib.sha256(body).hexdigest()


class Webhook:
    """Accepts bot requests: durable first, then waited for or owed a callback."""

    def __init__(
        self,
        *,
        intake: Intake,
        keys: IdempotencyKeys,
        callbacks: Callbacks,
        waiter: DecisionWaiter,
        catalogue: Catalogue,
        metrics: Metrics,
    ) -> None:
        self.intake = intake
        self.keys = keys
        self.callbacks = callbacks
        self.waiter = waiter
        self.catalogue = catalogue
        self.metrics = metrics

    async def accept(self, request: BotRequest) -> tuple[int, Accepted]:
        """200 decided or duplicate, or 202; IdempotencyConflict, LedgerUnavailable otherwise."""
        inquiry = request.inquiry
        if request.idempotency_key is not None:
            binding = await asyncio.to_thread(
                self.keys.bind,
                client_id=request.client.id,
                key=request.idempotency_key,
                inquiry_id=inquiry.id,
                request_sha256=request.body_sha256,
            )
            if binding.request_sha256 != request.body_sha256:
                raise IdempotencyConflict(
                    "Idempotency-Key was used before with a different body; "
                    f"it stands for inquiry {binding.inquiry_id}. Use a new key for a new inquiry"
                )
            if binding.inquiry_id != inquiry.id:
                inquiry = inquiry.model_copy(update={"id": binding.inquiry_id})
        # Idempotent by id: a retry, or a request whose first attempt failed after binding.
        acceptance = await self.intake.accept(inquiry, contact=request.contact)
        if acceptance.created:
            self.metrics.inquiries_accepted.labels(channel=inquiry.channel).inc()
        decision: RoutingDecision | None = None
        if request.wait_s is not None:
            decision = await self.waiter.wait(inquiry_id=inquiry.id, timeout_s=request.wait_s)
        if decision is None and request.client.callback_url is not None:
            await asyncio.to_thread(
                self.callbacks.register,
                inquiry_id=inquiry.id,
                client_id=request.client.id,
                url=str(request.client.callback_url),
            )
        receipt = Accepted(
            id=inquiry.id,
            status="decided" if decision is not None else acceptance.status,
            duplicate=not acceptance.created,
            links={"self": f"/v1/inquiries/{inquiry.id}"},
            decision=decision,
            reply=bot_reply(decision=decision, catalogue=self.catalogue) if decision else None,
        )
        if decision is not None:
            return 200, receipt
        if request.wait_s is not None:
            return 202, receipt
        return (202 if acceptance.created else 200), receipt
