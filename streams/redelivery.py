"""Publish again what the ledger accepted but no worker decided: the at-least-once safety net."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from models.errors import LedgerError
from streams.intake import Intake
from streams.metrics import Metrics

log = logging.getLogger(__name__)


async def redeliver_once(
    *, intake: Intake, older_than_s: float, batch: int = 500, max_batches: int = 20
) -> int:
    """Publish undecided inquiries untouched for `older_than_s`; return how many were sent."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    total = 0
    for _ in range(max_batches):
        pending = await asyncio.to_thread(
            intake.ledger.undecided, untouched_since=cutoff, limit=batch
        )
        # publish() stamps published_at, so the next page holds the next inquiries.
        if not pending or not await intake.publish(pending):
            break
        total += len(pending)
        if len(pending) < batch:
            break
    if total:
        log.info("redelivered %d undecided inquiries", total)
    return total


async def redeliver_forever(
    *, intake: Intake, older_than_s: float, interval_s: float, metrics: Metrics | None = None
) -> None:
    """Run redeliver_once on an interval until cancelled; errors are logged, never fatal."""
    while True:
        try:
            sent = await redeliver_once(intake=intake, older_than_s=older_than_s)
            if metrics is not None:
                metrics.redelivered.inc(sent)
        except LedgerError as exc:
            log.warning("redelivery skipped: %s", exc)
        await asyncio.sleep(interval_s)
