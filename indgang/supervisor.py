"""`indgang run`: the embedded broker if needed, then the worker and the HTTP side, supervised."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from config.settings import Settings
from indgang.runtime import build_ledger
from streams.embedded_broker import EmbeddedBroker

log = logging.getLogger(__name__)
RESTART_BACKOFF_S = (0.5, 1.0, 2.0, 5.0)


@dataclass
class Child:
    """A supervised process, restarted when it dies unasked."""

    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        """Start (or restart) the process."""
        self.process = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL)
        self.started_at = time.monotonic()
        log.info("started %s (pid %d)", self.name, self.process.pid)

    def stop(self, grace_s: float) -> None:
        """SIGTERM, then SIGKILL after the grace period."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s; killing it", self.name, grace_s)
            self.process.kill()
            self.process.wait()


class Supervisor:
    """Keeps the engine's processes running until SIGINT or SIGTERM."""

    def __init__(self, *, settings: Settings, port: int, config_file: Path | None) -> None:
        self.settings = settings
        self.port = port
        self.config_file = config_file
        self.broker: EmbeddedBroker | None = None
        self.children: list[Child] = []
        self._stopping = False

    def run(self) -> int:
        """Start everything, watch it, and stop it all on a signal."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            servers = self._start_broker()
            build_ledger(self.settings, migrate=True)
            self.children = self._children(servers)
            for child in self.children:
                child.start()
            log.info("Indgang is up: http://%s:%d", self.settings.http_host, self.port)
            while not self._stopping:
                self._watch()
                time.sleep(0.5)
        finally:
            for child in reversed(self.children):
                child.stop(grace_s=10.0)
            if self.broker is not None:
                self.broker.stop()
        return 0

    def _start_broker(self) -> str:
        if self.settings.kafka_bootstrap_servers is not None:
            return self.settings.kafka_bootstrap_servers
        self.broker = EmbeddedBroker(log_path=self.settings.data_dir / "tansu.log").start()
        return self.broker.bootstrap_servers

    def _children(self, servers: str) -> list[Child]:
        env = {**os.environ, "INDGANG_KAFKA_BOOTSTRAP_SERVERS": servers}
        base = [sys.executable, "-m", "indgang"]
        if self.config_file is not None:
            base += ["--config", str(self.config_file)]
        host = self.settings.http_host
        children = [
            # The worker's metrics sit next to the HTTP side: http port + 1, on loopback.
            Child("worker", [*base, "worker", "--metrics-port", str(self.port + 1)], env),
            Child("api", [*base, "api", "--host", host, "--port", str(self.port)], env),
        ]
        if self.settings.mailboxes:
            # The mail connector's metrics: http port + 2, on loopback.
            children.append(
                Child("mail", [*base, "mail", "--metrics-port", str(self.port + 2)], env)
            )
        return children

    def _watch(self) -> None:
        broker = self.broker
        if broker is not None and broker.exited():
            # Memory storage is gone with it; the ledger's redelivery republishes what is undecided.
            log.error("embedded broker died; restarting it on port %d", broker.port)
            broker.start()
        for child in self.children:
            assert child.process is not None
            code = child.process.poll()
            if code is None or self._stopping:
                continue
            delay = RESTART_BACKOFF_S[min(child.restarts, len(RESTART_BACKOFF_S) - 1)]
            log.error("%s exited with code %s; restarting in %.1f s", child.name, code, delay)
            time.sleep(delay)
            if self._stopping:
                return
            child.restarts += 1
            child.start()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        self._stopping = True
