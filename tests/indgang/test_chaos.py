"""Faults under load: kill a part of the running engine, let it come back, lose nothing.

Every test posts inquiries the way a bot does (retrying a refused or unanswered request with the
same id until it is acknowledged), breaks one part of the engine while they flow, and then
requires that every acknowledged inquiry has exactly one decision and at most one queue item.
CI runs the short version; `make chaos` runs the full one (`--chaos-full`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from ledger.schema import DecisionRow, QueueItemRow
from streams.embedded_broker import free_port
from tests.processes import RunningEngine, child_pids, start_engine, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.chaos]

TEXTS = [
    ("phone", "øh ja hej jeg skal have fornyet mit pas hvornår kan jeg komme"),
    ("mail", "Vi har fået rotter i gården bag huset, kan I sende nogen ud?"),
    ("chat", "hvornår bliver storskrald hentet på min vej"),
    ("chat", "how do I get a CPR number when I move to Aarhus"),
    ("web", "Jeg vil gerne klage over min parkeringsafgift, jeg holdt lovligt."),
    ("phone", "ja hej min mor er faldet og kan ikke rejse sig hvad gør jeg"),
]
# Redelivery after 3 s keeps a lost broker's inquiries from waiting the production 30 s.
FAST_REDELIVERY = {"INDGANG_REDELIVERY_AFTER_S": "3", "INDGANG_REDELIVERY_INTERVAL_S": "1"}


@pytest.fixture
def load_size(request: pytest.FixtureRequest) -> int:
    """How many inquiries each fault runs under: short in CI, long with --chaos-full."""
    return 2_000 if request.config.getoption("--chaos-full") else 240


@dataclass
class Load:
    """Inquiries posted from a pool of retrying clients, with what the engine acknowledged."""

    engine: RunningEngine
    total: int
    acknowledged: set[str] = field(default_factory=set)
    refusals: dict[int, int] = field(default_factory=dict)
    acknowledged_at_fault: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, n: int, client: httpx.Client) -> None:
        """Post inquiry n until the engine acknowledges it, as a bot with retries would."""
        channel, text = TEXTS[n % len(TEXTS)]
        payload = {"id": f"chaos-{n}-{uuid.uuid4().hex[:8]}", "channel": channel, "text": text}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = self.engine.post_inquiry(payload, client=client)
            except httpx.TransportError:
                time.sleep(0.2)  # the HTTP side is down: the bot tries again
                continue
            if response.status_code in (200, 202):
                with self.lock:
                    self.acknowledged.add(payload["id"])
                return
            with self.lock:
                self.refusals[response.status_code] = self.refusals.get(response.status_code, 0) + 1
            assert response.status_code == 503, response.text  # only "not durable now" is retried
            time.sleep(0.2)
        raise AssertionError(f"inquiry {payload['id']} never acknowledged")

    def run(self, *, fault: Callable[[], None], at_fraction: float = 0.35) -> None:
        """Post everything; fire the fault once a share of it is acknowledged."""

        def fire_when_due() -> None:
            wait_until(
                lambda: len(self.acknowledged) >= self.total * at_fraction,
                timeout_s=120,
                what=f"{at_fraction:.0%} of the load to be acknowledged",
            )
            self.acknowledged_at_fault = len(self.acknowledged)
            fault()

        trigger = threading.Thread(target=fire_when_due)
        trigger.start()
        with httpx.Client(timeout=30) as client, ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda n: self.post(n, client), range(self.total)))
        trigger.join()
        assert len(self.acknowledged) == self.total
        # The fault must have hit while inquiries flowed, or the test proves nothing.
        assert self.acknowledged_at_fault is not None
        assert self.acknowledged_at_fault < self.total

    def assert_each_decided_exactly_once(self, *, timeout_s: float = 180) -> None:
        """Every acknowledged inquiry ends with one decision and at most one queue item."""
        ledger = self.engine.ledger

        def decided() -> int:
            with ledger.engine.connect() as connection:
                return (
                    connection.scalar(
                        select(func.count())
                        .select_from(DecisionRow)
                        .where(DecisionRow.inquiry_id.in_(self.acknowledged))
                    )
                    or 0
                )

        wait_until(
            lambda: decided() == self.total,
            timeout_s=timeout_s,
            what=f"{self.total} decisions (have {decided()})",
            every_s=1.0,
        )
        with ledger.engine.connect() as connection:
            queue_decisions = connection.scalar(
                select(func.count()).select_from(DecisionRow).where(DecisionRow.action == "queue")
            )
            queue_items = connection.scalar(select(func.count()).select_from(QueueItemRow))
        assert ledger.counts()["decisions"] == self.total
        assert queue_items == queue_decisions


def _child_pid(engine: RunningEngine, needle: str) -> int:
    for pid, cmdline in child_pids(engine.process.pid).items():
        if needle in cmdline:
            return pid
    raise AssertionError(f"no child process matching {needle!r}")


def _kill_and_wait_for_return(engine: RunningEngine, needle: str) -> Callable[[], None]:
    def fault() -> None:
        victim = _child_pid(engine, needle)
        os.kill(victim, signal.SIGKILL)
        wait_until(
            lambda: any(
                needle in cmd and pid != victim
                for pid, cmd in child_pids(engine.process.pid).items()
            ),
            timeout_s=30,
            what=f"the supervisor to restart {needle}",
        )

    return fault


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[RunningEngine]:
    running = start_engine(tmp_path, free_port(), **FAST_REDELIVERY)
    yield running
    running.stop()


@pytest.mark.parametrize("part", ["indgang worker", "indgang api", "tansu"])
def test_a_part_killed_under_load_loses_no_acknowledged_inquiry(
    engine: RunningEngine, load_size: int, part: str
) -> None:
    load = Load(engine, load_size)
    load.run(fault=_kill_and_wait_for_return(engine, part))
    load.assert_each_decided_exactly_once()


def test_a_second_worker_takes_partitions_and_gives_them_back_without_loss(
    engine: RunningEngine, load_size: int, tmp_path: Path
) -> None:
    worker_env = Path(f"/proc/{_child_pid(engine, 'indgang worker')}/environ").read_bytes()
    env = dict(entry.split("=", 1) for entry in worker_env.decode().split("\0") if "=" in entry)
    second: list[subprocess.Popen[bytes]] = []

    def join_then_leave() -> None:
        with open(tmp_path / "second-worker.log", "wb") as log:
            second.append(
                subprocess.Popen(
                    [sys.executable, "-m", "indgang", "worker"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        # Long enough for the group to rebalance onto both, then back when it leaves.
        time.sleep(12)
        second[0].send_signal(signal.SIGTERM)

    load = Load(engine, load_size)
    try:
        load.run(fault=join_then_leave, at_fraction=0.1)
        load.assert_each_decided_exactly_once()
    finally:
        for process in second:
            process.kill()
            process.wait()
    log_text = (tmp_path / "second-worker.log").read_text(errors="replace")
    assert "Traceback" not in log_text


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of the test's own, so stopping it disturbs nobody else."""

    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", _pg_bin("pg_ctl"), "-D", str(self.data_dir), *args],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._pg_ctl(
            "-w",
            "-l",
            str(self.data_dir.parent / "postgres.log"),
            "-o",
            f"-p {self.port} -k {self.data_dir.parent} -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "immediate", "stop")


def _pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not versions:
        pytest.skip("PostgreSQL server binaries are not installed")
    return str(versions[-1] / name)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """initdb into a fresh directory owned by the postgres user, and start the server there."""
    # Not under pytest's temp tree: that is private to root, and PostgreSQL refuses to run as root.
    root = Path(tempfile.mkdtemp(prefix="indgang-pg-"))
    try:
        root.chmod(0o755)
        data_dir = root / "data"
        data_dir.mkdir()
        subprocess.run(["chown", "-R", "postgres:postgres", str(root)], check=True)
        subprocess.run(
            [
                *("runuser", "-u", "postgres", "--", _pg_bin("initdb")),
                *("-D", str(data_dir), "-A", "trust", "-U", "postgres"),
            ],
            check=True,
            capture_output=True,
        )
        server = PrivatePostgres(data_dir, free_port())
        server.start()
        yield server
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the test
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.postgres
def test_a_database_outage_refuses_with_503_and_loses_no_acknowledged_inquiry(
    private_postgres: PrivatePostgres, load_size: int, tmp_path: Path
) -> None:
    engine = start_engine(
        tmp_path, free_port(), INDGANG_DATABASE_URL=private_postgres.url, **FAST_REDELIVERY
    )
    try:

        def outage() -> None:
            private_postgres.stop()
            time.sleep(4)
            private_postgres.start()

        load = Load(engine, load_size)
        load.run(fault=outage)
        load.assert_each_decided_exactly_once()
        # While the database was away the entrance said "not now", never yes.
        assert set(load.refusals) <= {503}
        assert load.refusals.get(503, 0) > 0
    finally:
        engine.stop()
