"""`indgang mail` as a process: refuses to start without mailboxes, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.database import make_engine
from ledger.migrate import upgrade
from streams.embedded_broker import EmbeddedBroker
from tests.connectors.mail.conftest import MAIL_PASSWORD, MAIL_USER, DovecotServer
from tests.processes import wait_until


def _environment(**settings: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INDGANG_")}
    return {**clean, **settings}


def test_indgang_mail_without_mailboxes_refuses_to_start_naming_the_setting(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "indgang", "mail"],
        env=_environment(INDGANG_DATA_DIR=str(tmp_path)),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "mailboxes: none configured" in result.stderr.decode()


@pytest.mark.imap
@pytest.mark.broker
def test_sigterm_stops_indgang_mail_cleanly_after_it_took_the_waiting_mail_in(
    tmp_path: Path,
    dovecot: DovecotServer,
    broker: EmbeddedBroker,
    sqlite_url: str,
    make_mail: Callable[..., bytes],
) -> None:
    upgrade(make_engine(sqlite_url))
    dovecot.append(make_mail(subject="Før start"))
    mailbox = {
        "name": "post",
        "host": dovecot.host,
        "port": dovecot.port,
        "tls": False,
        "username": MAIL_USER,
        "password": MAIL_PASSWORD,
    }
    env = _environment(
        INDGANG_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
        INDGANG_DATABASE_URL=sqlite_url,
        INDGANG_DATA_DIR=str(tmp_path / "var"),
        INDGANG_MAILBOXES=json.dumps([mailbox]),
        INDGANG_MAIL_POLL_S="1",
    )
    log_path = tmp_path / "mail.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "indgang", "mail"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_until(
            lambda: dovecot.count("Indgang/Behandlet") == 1, timeout_s=90, what="the mail filed"
        )
        process.send_signal(signal.SIGTERM)
        code = process.wait(20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0, log_path.read_text(errors="replace")[-3000:]
    assert dovecot.count("INBOX") == 0
