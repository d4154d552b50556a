"""The embedded Tansu broker: starts on loopback in moments, stops cleanly."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from models.errors import EmbeddedBrokerError
from streams.embedded_broker import EmbeddedBroker, tansu_binary

pytestmark = pytest.mark.broker


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_the_shipped_tansu_binary_is_found() -> None:
    assert tansu_binary().name == "tansu"


def test_broker_listens_on_loopback_while_running_and_not_after(tmp_path: Path) -> None:
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as broker:
        assert broker.bootstrap_servers.startswith("127.0.0.1:")
        assert _listening(broker.port)
    assert not _listening(broker.port)
    assert not broker.exited()


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(EmbeddedBrokerError, match=f"Tansu exited with code .* on port {port}"):
            EmbeddedBroker(port=port, log_path=tmp_path / "tansu.log").start(timeout_s=10)
