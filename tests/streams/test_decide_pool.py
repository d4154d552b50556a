"""Deciding in pool processes gives the worker's own decisions, and outlives a dead process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from config.settings import Settings
from indgang.runtime import build_decider
from models.inquiry import Inquiry
from models.wire import encode
from streams.decide_pool import DecidePool
from streams.processor import RawMessage

pytestmark = pytest.mark.slow

TEXTS = [
    "Hvornår bliver der hentet storskrald på Skovvejen?",
    "Vi har set rotter i gården bag opgangen",
    "Jeg er bekymret for et barn i opgangen, det bliver slået",
    "How do I get a CPR number when I move to Aarhus?",
]


@pytest.fixture(scope="module")
def pool() -> Iterator[DecidePool]:
    """One decide process with the shipped model, as the worker starts it."""
    started = DecidePool(processes=1, make_decider=partial(build_decider, Settings()))
    started.warm_up()
    yield started
    started.shutdown()


@pytest.fixture
def batch(make_inquiry: Callable[..., Inquiry]) -> list[RawMessage]:
    """Four inquiries and one payload that is no inquiry, as consumed."""
    values = [encode("inquiry", make_inquiry(text=text)) for text in TEXTS] + [b"{oops"]
    return [RawMessage("indgang.inquiries.v1", 0, n, b"k", v) for n, v in enumerate(values)]


async def test_a_batch_decided_in_a_pool_process_is_decided_as_in_the_worker_itself(
    pool: DecidePool, batch: list[RawMessage]
) -> None:
    in_pool = await pool.prepare(batch)
    at_home = build_decider(Settings()).prepare(batch)
    assert in_pool.inquiries == at_home.inquiries
    assert [d.model_dump(exclude={"decided_at", "due_at"}) for d in in_pool.decisions] == [
        d.model_dump(exclude={"decided_at", "due_at"}) for d in at_home.decisions
    ]
    assert in_pool.redacted == at_home.redacted
    assert [d.reason for d in in_pool.dead_letters] == [d.reason for d in at_home.dead_letters]
    assert len(in_pool.decisions) == len(TEXTS)


async def test_a_pool_process_that_died_is_replaced_and_the_batch_still_decided(
    pool: DecidePool, batch: list[RawMessage]
) -> None:
    for pid in pool.pids():
        os.kill(pid, signal.SIGKILL)
    prepared = await pool.prepare(batch)
    assert len(prepared.decisions) == len(TEXTS)


async def test_batches_in_flight_when_the_process_dies_are_all_decided_by_one_new_pool(
    pool: DecidePool, make_inquiry: Callable[..., Inquiry], caplog: pytest.LogCaptureFixture
) -> None:
    # Big enough to be in flight when the process is killed (over a second each).
    values = [encode("inquiry", make_inquiry(text=TEXTS[n % 4])) for n in range(3_000)]
    big = [RawMessage("indgang.inquiries.v1", 0, n, b"k", v) for n, v in enumerate(values)]
    await pool.prepare(big[:1])  # a live process, whatever an earlier test did to it
    in_flight = [asyncio.ensure_future(pool.prepare(big)) for _ in range(2)]
    await asyncio.sleep(0.05)
    for pid in pool.pids():
        os.kill(pid, signal.SIGKILL)
    both = await asyncio.gather(*in_flight)
    assert [len(p.decisions) for p in both] == [3_000, 3_000]
    restarts = [r for r in caplog.records if "starting the pool again" in r.getMessage()]
    assert len(restarts) == 1


@pytest.mark.parametrize(
    "start",
    [
        pytest.param("pool.warm_up()", id="after-warm-up"),
        # Killed while the pool process is still importing, before its watch has started.
        pytest.param("pool._executor.submit(int)", id="while-the-process-starts"),
    ],
)
def test_the_pool_process_ends_when_its_worker_is_killed(tmp_path: Path, start: str) -> None:
    script = tmp_path / "worker.py"
    script.write_text(
        "import os, signal\n"
        "from functools import partial\n"
        "from config.settings import Settings\n"
        "from indgang.runtime import build_decider\n"
        "from streams.decide_pool import DecidePool\n"
        "if __name__ == '__main__':\n"
        "    pool = DecidePool(processes=1, make_decider=partial(build_decider, Settings()))\n"
        f"    {start}\n"
        "    print(*pool.pids(), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, env=env, timeout=120)
    assert run.returncode == -signal.SIGKILL
    [child] = [int(pid) for pid in run.stdout.split()]
    # Generous: the process may first have to finish importing scikit-learn and spaCy.
    deadline = time.monotonic() + 60
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(child), "the decide process outlived its killed worker"


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its parent's reaping is left
