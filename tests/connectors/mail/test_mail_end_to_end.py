"""`indgang run` with a shared mailbox: 200 mails in, the mail connector killed mid-flow."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from connectors.mail.parsing import parse_mail
from ledger.mail import MailLedger
from streams.embedded_broker import free_port
from tests.connectors.mail.conftest import (
    MAIL_PASSWORD,
    MAIL_USER,
    MAILBOX_ADDRESS,
    DovecotServer,
    SmtpTestServer,
)
from tests.processes import RunningEngine, start_engine, wait_until

pytestmark = [pytest.mark.imap, pytest.mark.broker, pytest.mark.slow]

MAILS = 200
WARM_UP = 20
TOPICS = [
    ("Storskrald", "Hvornår bliver der hentet storskrald på Skovvejen?"),
    ("Rotter", "Vi har set rotter i gården bag opgangen, kan I sende nogen ud?"),
    ("Pas", "Jeg skal have fornyet mit pas, hvordan bestiller jeg tid?"),
    ("Flytning", "Jeg flytter den 1. december, hvordan melder jeg flytning?"),
]


@pytest.fixture
def engine_with_mailbox(
    tmp_path: Path, dovecot: DovecotServer, smtp_server: SmtpTestServer
) -> Iterator[RunningEngine]:
    """The whole engine with the Dovecot mailbox and the SMTP server configured."""
    mailbox = {
        "name": "borgerservice",
        "host": dovecot.host,
        "port": dovecot.port,
        "tls": False,
        "username": MAIL_USER,
        "password": MAIL_PASSWORD,
    }
    # Each receipt also goes to the watched mailbox, whose copy settles one left in doubt.
    smtp_server.deliver_locally(MAILBOX_ADDRESS, dovecot)
    smtp = smtp_server.settings(copy_to=MAILBOX_ADDRESS, confirm_within_s=10).model_dump(
        mode="json"
    )
    running = start_engine(
        tmp_path,
        free_port(),
        INDGANG_MAILBOXES=json.dumps([mailbox]),
        INDGANG_SMTP=json.dumps(smtp),
        INDGANG_MAIL_POLL_S="1",
        INDGANG_REDELIVERY_AFTER_S="3",
    )
    yield running
    running.stop()


def test_200_mails_with_the_connector_killed_midway_give_200_inquiries_and_200_receipts(
    engine_with_mailbox: RunningEngine,
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    make_mail: Callable[..., bytes],
) -> None:
    engine = engine_with_mailbox
    mails = [
        make_mail(
            sender=f"borger{n}@example.org",
            subject=f"{TOPICS[n % len(TOPICS)][0]} {n}",
            text=TOPICS[n % len(TOPICS)][1],
        )
        for n in range(MAILS)
    ]
    originals = {parse_mail(raw).message_id for raw in mails}
    wait_until(lambda: engine.pid_of("mail") is not None, timeout_s=30, what="the mail child")
    mail_child = engine.pid_of("mail")
    assert mail_child is not None
    ledger = engine.ledger
    # A first tenth, decided before the rest arrives: the kill then lands while receipts flow.
    dovecot.append(*mails[:WARM_UP])
    wait_until(lambda: ledger.counts()["decisions"] == WARM_UP, timeout_s=180, what="warm-up")
    with ThreadPoolExecutor(1) as pool:
        appending = pool.submit(_append_in_batches, dovecot, mails[WARM_UP:])
        wait_until(
            lambda: ledger.counts()["inquiries"] >= MAILS // 2, timeout_s=120, what="100 inquiries"
        )
        os.kill(mail_child, signal.SIGKILL)
        at_kill = ledger.counts()["inquiries"]
        appending.result()
    assert at_kill < MAILS, "the connector was killed after the flow, not during it"
    wait_until(
        lambda: engine.pid_of("mail") not in (None, mail_child), timeout_s=30, what="a new child"
    )
    wait_until(lambda: ledger.counts()["decisions"] == MAILS, timeout_s=180, what="200 decisions")
    wait_until(lambda: _receipted(smtp_server) == MAILS, timeout_s=120, what="200 receipts")
    # Every receipt settled: none is left in doubt that could still go out a second time.
    mail_ledger = MailLedger(ledger.engine)
    wait_until(
        lambda: mail_ledger.receipt_counts() == {"sent": MAILS}, timeout_s=60, what="all settled"
    )
    assert ledger.counts()["inquiries"] == MAILS
    assert dovecot.count("Indgang/Behandlet") == MAILS
    receipts = smtp_server.messages
    in_reply_to = Counter(m["In-Reply-To"] for m in receipts)
    assert set(in_reply_to) == originals
    assert {m["To"] for m in receipts} == {f"borger{n}@example.org" for n in range(MAILS)}
    # None twice: a receipt the server took just before the kill was settled by its copy.
    assert len(receipts) == MAILS
    assert len({m["Message-ID"] for m in receipts}) == MAILS
    wait_until(
        lambda: dovecot.count("Indgang/Kvitteringer") == MAILS, timeout_s=60, what="200 copies"
    )
    assert dovecot.count("INBOX") == 0
    assert ledger.counts()["inquiries"] == MAILS


def _append_in_batches(dovecot: DovecotServer, mails: list[bytes]) -> None:
    for start in range(0, len(mails), 20):
        dovecot.append(*mails[start : start + 20])


def _receipted(smtp_server: SmtpTestServer) -> int:
    return len({m["In-Reply-To"] for m in smtp_server.messages})
