"""Start and inspect real Indgang processes for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from config.settings import DEV_BOT_SECRET
from connectors.signing import signed_headers
from ledger.database import make_engine
from ledger.store import Ledger
from queues.accounts import Accounts, Operator


def child_pids(parent: int) -> dict[int, str]:
    """Direct children of a process, with their command lines, read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent:
            found[int(entry.name)] = cmdline
    return found


def wait_until(predicate: object, *, timeout_s: float, what: str, every_s: float = 0.2) -> None:
    """Poll a condition; fail the test, naming what did not happen, after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


@dataclass
class RunningEngine:
    """`indgang run` in a subprocess, on the embedded broker and a SQLite file."""

    process: subprocess.Popen[bytes]
    base_url: str
    database_url: str
    log_path: Path

    @property
    def ledger(self) -> Ledger:
        """A ledger handle onto the engine's database."""
        return Ledger(make_engine(self.database_url))

    def pid_of(self, role: str) -> int | None:
        """Pid of the supervised worker or api process, None while there is none."""
        for pid, cmdline in child_pids(self.process.pid).items():
            if f" {role}" in cmdline and "indgang" in cmdline:
                return pid
        return None

    def post_inquiry(
        self,
        payload: dict[str, Any] | bytes,
        *,
        headers: dict[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        """POST an inquiry signed as the local development bot client."""
        return self.post_signed("/v1/inquiries", payload, headers=headers, client=client)

    def post_signed(
        self,
        path: str,
        payload: dict[str, Any] | bytes,
        *,
        headers: dict[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        """POST a body signed as the local development bot client (the embedded default)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        signed = signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=body)
        all_headers = {"content-type": "application/json", **signed, **(headers or {})}
        if client is not None:
            return client.post(f"{self.base_url}{path}", content=body, headers=all_headers)
        return httpx.post(f"{self.base_url}{path}", content=body, headers=all_headers, timeout=30)

    def create_operator(
        self,
        *,
        username: str,
        password: str,
        role: str = "operator",
        department: str | None = None,
        display_name: str | None = None,
    ) -> Operator:
        """An account for the dashboard in the engine's ledger, as `indgang operators create`."""
        engine = make_engine(self.database_url)
        try:
            return Accounts(engine).create(
                username=username,
                display_name=display_name or username,
                password=password,
                role=role,  # type: ignore[arg-type]
                department=department,
            )
        finally:
            engine.dispose()

    def healthy(self) -> bool:
        """True when /healthz answers 200 with the broker connected."""
        try:
            response = httpx.get(f"{self.base_url}/healthz", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.json()["status"] == "ok"

    def stop(self) -> int:
        """SIGTERM the supervisor and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_engine(tmp_path: Path, port: int, **env: str) -> RunningEngine:
    """Start `indgang run` with its data in tmp_path and wait until it is healthy."""
    database_url = env.pop("INDGANG_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INDGANG_")},
        "INDGANG_DATA_DIR": str(tmp_path / "var"),
        "INDGANG_DATABASE_URL": database_url,
        **env,
    }
    log_path = tmp_path / "engine.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "indgang", "run", "--port", str(port)],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    engine = RunningEngine(process, f"http://127.0.0.1:{port}", database_url, log_path)
    try:
        wait_until(engine.healthy, timeout_s=60, what="the engine to become healthy")
    except AssertionError:
        engine.stop()
        raise AssertionError(log_path.read_text(errors="replace")[-4000:]) from None
    return engine
