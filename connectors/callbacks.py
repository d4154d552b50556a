"""Deliver decisions to bot clients' callback URLs: signed, retried with backoff, then parked.

At least once: a callback whose 2xx got lost is sent again, so receivers dedup by inquiry id.
After the last try the callback is marked failed in the ledger and published to the callback
dead-letter topic, where ops see it and can replay it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine

from config.catalogue import Catalogue
from config.settings import BotClient, Settings
from connectors.api_models import CallbackBody
from connectors.replies import bot_reply
from connectors.signing import signed_headers
from ledger.callbacks import Callbacks, DueCallback
from models.errors import BrokerError, CallbackFailed, LedgerError
from models.wire import DeadLetter, encode
from streams.metrics import Metrics
from streams.producer import Producer
from streams.topics import Topics

log = logging.getLogger(__name__)
SOURCE = "ledger.callbacks"


class CallbackSender:
    """Finds decided inquiries that owe a callback and delivers them."""

    def __init__(
        self,
        *,
        callbacks: Callbacks,
        clients: Sequence[BotClient],
        catalogue: Catalogue,
        producer: Producer,
        dead_letter_topic: str,
        attempts: int,
        backoff_s: float,
        metrics: Metrics,
        timeout_s: float = 10.0,
        interval_s: float = 0.5,
    ) -> None:
        self.callbacks = callbacks
        self._clients = {c.id: c for c in clients}
        self.catalogue = catalogue
        self.producer = producer
        self.dead_letter_topic = dead_letter_topic
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.metrics = metrics
        self.timeout_s = timeout_s
        self.interval_s = interval_s

    async def run(self) -> None:
        """Send what is due on an interval until cancelled; errors are logged, never fatal."""
        async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as http:
            while True:
                try:
                    await self.send_due(http)
                except LedgerError as exc:
                    log.warning("callbacks skipped: %s", exc)
                await asyncio.sleep(self.interval_s)

    async def send_due(self, http: httpx.AsyncClient) -> int:
        """One round: claim what is due, try each once; return how many were delivered."""
        due = await asyncio.to_thread(
            self.callbacks.claim_due, now=datetime.now(UTC), lease_s=self.timeout_s + 5.0
        )
        results = await asyncio.gather(*(self._one(http, c) for c in due))
        return sum(results)

    async def _one(self, http: httpx.AsyncClient, due: DueCallback) -> bool:
        body = self.body(due)
        if due.attempt > self.attempts:
            # Tried in full already; only the parking failed last time (the broker was away).
            await self._park(due, body, error="parking retried after the broker was away")
            return False
        try:
            await self._post(http, due, body)
        except CallbackFailed as exc:
            if due.attempt >= self.attempts:
                await self._park(due, body, error=str(exc))
            else:
                delay = self.backoff_s * 2 ** (due.attempt - 1)
                at = datetime.now(UTC) + timedelta(seconds=delay)
                await asyncio.to_thread(
                    self.callbacks.retry_at, inquiry_id=due.inquiry_id, at=at, error=str(exc)
                )
                self.metrics.callbacks.labels(client=due.client_id, outcome="retry").inc()
                log.info("callback attempt %d failed: %s", due.attempt, exc)
            return False
        await asyncio.to_thread(
            self.callbacks.delivered, inquiry_id=due.inquiry_id, at=datetime.now(UTC)
        )
        self.metrics.callbacks.labels(client=due.client_id, outcome="delivered").inc()
        return True

    def body(self, due: DueCallback) -> bytes:
        """The callback's JSON: the decision and the bot's reply."""
        payload = CallbackBody(
            id=due.inquiry_id,
            attempt=due.attempt,
            links={"self": f"/v1/inquiries/{due.inquiry_id}"},
            decision=due.decision,
            reply=bot_reply(decision=due.decision, catalogue=self.catalogue),
        )
        return payload.model_dump_json().encode("utf-8")

    async def _post(self, http: httpx.AsyncClient, due: DueCallback, body: bytes) -> None:
        client = self._clients.get(due.client_id)
        if client is None:
            raise CallbackFailed(f"client {due.client_id} is no longer configured")
        headers = signed_headers(
            client_id=client.id, secret=client.secret.get_secret_value(), body=body
        )
        headers["content-type"] = "application/json"
        try:
            response = await http.post(due.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CallbackFailed(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise CallbackFailed(f"receiver answered {response.status_code}")

    async def _park(self, due: DueCallback, body: bytes, *, error: str) -> None:
        letter = DeadLetter(
            reason=f"callback failed after {min(due.attempt, self.attempts)} attempts: {error}",
            source_topic=SOURCE,
            key=due.inquiry_id,
            payload=body.decode("utf-8"),
            detail={"client": due.client_id, "url": due.url, "attempts": due.attempt},
        )
        try:
            await self.producer.publish(
                topic=self.dead_letter_topic,
                messages=[(due.inquiry_id, encode("dead_letter", letter))],
            )
        except BrokerError as exc:
            # Still pending in the ledger: the next round parks it again.
            log.warning("callback for %s not parked yet: %s", due.client_id, exc)
            return
        await asyncio.to_thread(self.callbacks.failed, inquiry_id=due.inquiry_id, error=error)
        self.metrics.callbacks.labels(client=due.client_id, outcome="failed").inc()
        self.metrics.callback_failures.labels(client=due.client_id).inc()
        log.error(
            "callback to client %s parked on %s: %s", due.client_id, self.dead_letter_topic, error
        )


def callback_sender_for(
    settings: Settings,
    *,
    producer: Producer,
    ledger_engine: Engine,
    catalogue: Catalogue,
    metrics: Metrics,
) -> CallbackSender:
    """The sender for the configured clients, attempts, backoff and dead-letter topic."""
    return CallbackSender(
        callbacks=Callbacks(ledger_engine),
        clients=settings.bot_clients,
        catalogue=catalogue,
        producer=producer,
        dead_letter_topic=Topics.for_settings(settings).callback_dead_letters,
        attempts=settings.callback_attempts,
        backoff_s=settings.callback_backoff_s,
        metrics=metrics,
    )
