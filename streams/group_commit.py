"""Group commit: calls that arrive while a commit is under way share the next one.

Each durable write to SQLite ends in an fsync (synchronous=FULL), and SQLite has one writer at
a time; a writer that finds the lock taken sleeps in its busy handler for up to 100 ms before
trying again. One transaction per HTTP request therefore queued requests behind each other's
fsyncs and sleeps: at 100 requests a second the webhook's p99 was seconds. Here one task writes
for everyone: a lone call is committed at once, and calls made meanwhile wait for the next
commit, together, so the number of commits a second stays small however many calls there are.
Every caller still returns only after its own item is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from models.errors import LedgerError, LedgerUnavailable

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Runs `commit` (blocking, in a thread) over the items submitted since the last one."""

    def __init__(
        self,
        commit: Callable[[Sequence[T]], Sequence[R]],
        *,
        max_batch: int = 500,
        gather_s: float = 0.0,
    ) -> None:
        """`gather_s`: wait that long before each commit to gather more; 0 for callers waiting."""
        self._commit = commit
        self._max_batch = max_batch
        self._gather_s = gather_s
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """The commit's result for `item`, once the transaction holding it is committed."""
        return await self.submit_nowait(item)

    def submit_nowait(self, item: T) -> asyncio.Future[R]:
        """Queue `item` for the next commit; the future settles when it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        return future

    async def _run(self) -> None:
        try:
            while self._pending:
                if self._gather_s:
                    await asyncio.sleep(self._gather_s)
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._settle(batch)
        except asyncio.CancelledError:
            # Shutting down: no caller may wait for a commit that will not come.
            for _, future in self._pending:
                future.cancel()
            self._pending.clear()
            raise

    async def _settle(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            try:
                results = await asyncio.to_thread(self._commit, [item for item, _ in batch])
            except LedgerError as exc:
                if len(batch) > 1 and not isinstance(exc, LedgerUnavailable):
                    # One item the database refuses must not fail the others: each on its own.
                    for one in batch:
                        await self._settle([one])
                    return
                raise
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # each caller gets it; the next batch goes on
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
