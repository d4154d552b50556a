"""Forget Idempotency-Key bindings once they are older than their time to live."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from ledger.idempotency import IdempotencyKeys
from models.errors import LedgerError

log = logging.getLogger(__name__)

EXPIRY_INTERVAL_S = 3600.0


async def forget_expired_once(*, keys: IdempotencyKeys, ttl_s: float) -> int:
    """Drop every binding older than `ttl_s`; return how many."""
    cutoff = datetime.now(UTC) - timedelta(seconds=ttl_s)
    return await asyncio.to_thread(keys.forget_before, cutoff)


async def forget_expired_forever(
    *, keys: IdempotencyKeys, ttl_s: float, interval_s: float = EXPIRY_INTERVAL_S
) -> None:
    """Run forget_expired_once on an interval until cancelled; errors are logged, never fatal."""
    while True:
        try:
            if forgotten := await forget_expired_once(keys=keys, ttl_s=ttl_s):
                log.info("forgot %d expired Idempotency-Key bindings", forgotten)
        except LedgerError as exc:
            log.warning("Idempotency-Key expiry skipped: %s", exc)
        await asyncio.sleep(interval_s)
