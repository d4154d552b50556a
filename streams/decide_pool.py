"""Deciding batches in processes of their own, so the worker's event loop and ledger keep a core.

Classifying, routing and redacting is about half of a worker's CPU per inquiry and holds the
interpreter lock; in a pool of processes it runs beside the event loop, the broker's I/O and
the ledger's writes instead of taking turns with them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from models.errors import ClassifierError
from streams.processor import Decider, Prepared, RawMessage

log = logging.getLogger(__name__)

PARENT_CHECK_S = 1.0

# The decider of this pool process, made once by the pool's initializer.
_decider: Decider | None = None


def _install(parent: int, make_decider: Callable[[], Decider]) -> None:
    global _decider
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()
    _decider = make_decider()


def _exit_with(parent: int) -> None:
    # A worker killed with SIGKILL cannot stop its pool: the pool process notices on its own.
    # It holds both ends of its call queue's pipe, so no end-of-file would ever wake it.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _prepare(messages: Sequence[RawMessage]) -> Prepared:
    if _decider is None:
        raise ClassifierError("this pool process has no decider")
    return _decider.prepare(messages)


def _ready() -> bool:
    return _decider is not None


class DecidePool:
    """`processes` spawned processes, each with its own Decider; a batch runs in one of them."""

    def __init__(self, *, processes: int, make_decider: Callable[[], Decider]) -> None:
        self.processes = processes
        self._make_decider = make_decider
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        # Spawned, not forked: the worker has threads (Faust, the broker client) by now.
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_install,
            # The worker's own pid, not the pool process's getppid(): a worker killed while
            # the process was still importing would be gone by then, and the watch would wait
            # on its new parent (init) for ever.
            initargs=(os.getpid(), self._make_decider),
        )

    def warm_up(self) -> None:
        """Start every process and load its models now, not on a citizen's first inquiry."""
        for future in [self._executor.submit(_ready) for _ in range(self.processes)]:
            future.result()

    def pids(self) -> list[int]:
        """The pool processes' ids, for operators and tests."""
        return [p.pid for p in self._executor._processes.values() if p.pid is not None]

    async def prepare(self, messages: Sequence[RawMessage]) -> Prepared:
        """Decide a batch in a pool process; a pool whose process died is started again once."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            return await loop.run_in_executor(executor, _prepare, list(messages))
        except BrokenProcessPool:
            # Several actors may find it broken at once; only the first starts a new pool.
            if self._executor is executor:
                log.error("a decide process died; starting the pool again")
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            return await loop.run_in_executor(self._executor, _prepare, list(messages))

    def shutdown(self) -> None:
        """Stop the processes, dropping batches not yet started (they are redelivered)."""
        # Waits for the executor's manager thread: exiting while it still runs races CPython
        # 3.11's exit hook (concurrent.futures' _python_exit wakes a pipe the thread may have
        # just closed), which prints "Exception ignored in: <module 'threading'>" and an
        # OSError into the engine's JSON log.
        self._executor.shutdown(wait=True, cancel_futures=True)
