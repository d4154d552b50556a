"""Waiting that ends early when the connector is told to stop."""

from __future__ import annotations

import asyncio
import threading

# How soon a sleeping loop notices a stop.
_TICK_S = 0.2


async def pause(stop: threading.Event, seconds: float) -> None:
    """Sleep up to `seconds`, returning as soon as `stop` is set."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not stop.is_set():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        await asyncio.sleep(min(remaining, _TICK_S))
