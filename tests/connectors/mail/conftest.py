"""Real mail servers for the mail connector's tests: Dovecot (IMAP) and aiosmtpd (SMTP)."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from imapclient import IMAPClient  # type: ignore[import-untyped]
from pydantic import SecretStr

from config.settings import Mailbox, Settings, SmtpServer
from connectors.mail.connector import run_mail_connector
from connectors.mail.receipt_message import compose_receipt
from indgang.runtime import build_citizen_keys
from ledger.database import make_engine
from ledger.mail import MailLedger
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from streams.embedded_broker import EmbeddedBroker, free_port
from streams.intake import Intake
from streams.metrics import Metrics, create_metrics
from streams.producer import Producer
from streams.topics import Topics, ensure_topics

SAMPLES = Path(__file__).parent / "samples"
DOVECOT = Path("/usr/sbin/dovecot")
MAIL_USER = "indgang"
MAIL_PASSWORD = "test-only-password"
FROM_ADDRESS = "kvittering@kommune.example"
# The watched mailbox's own address: receipts copied here come back through Dovecot.
MAILBOX_ADDRESS = "indgang@kommune.example"


@pytest.fixture
def sample() -> Callable[[str], bytes]:
    """The bytes of a sample mail under samples/."""
    return lambda name: (SAMPLES / name).read_bytes()


@pytest.fixture
def make_mail() -> Callable[..., bytes]:
    """Factory for a plain citizen mail as CRLF bytes; override sender, subject, text, id."""

    def make(
        *,
        sender: str = "Borger <borger@example.org>",
        subject: str = "Storskrald",
        text: str = "Hvornår bliver der hentet storskrald på Skovvejen?",
        message_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = "post@kommune.example"
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.org>"
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(text)
        return msg.as_bytes(policy=policy.SMTP)

    return make


@pytest.fixture
def make_receipt(
    make_inquiry: Callable[..., Inquiry], make_decision: Callable[..., RoutingDecision]
) -> Callable[..., EmailMessage]:
    """Factory for one of our receipts, as compose_receipt makes it, for a mail inquiry's id."""

    def make(inquiry_id: str = "mail-" + "0123abcd" * 4) -> EmailMessage:
        inquiry = make_inquiry(id=inquiry_id, channel="mail")
        return compose_receipt(
            inquiry=inquiry,
            decision=make_decision(inquiry.id),
            to="borger@example.org",
            from_address=FROM_ADDRESS,
            now=datetime.now(UTC),
        )

    return make


@pytest.fixture
def make_auto_reply() -> Callable[..., bytes]:
    """Factory for an out-of-office auto-reply to the mail with this Message-ID."""

    def make(*, in_reply_to: str, headers: dict[str, str] | None = None) -> bytes:
        msg = EmailMessage()
        msg["From"] = "Borger <borger@example.org>"
        msg["To"] = FROM_ADDRESS
        msg["Subject"] = "Automatisk svar: Storskrald"
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = f"<{uuid.uuid4().hex}@example.org> {in_reply_to}"
        msg["Auto-Submitted"] = "auto-replied"
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content("Jeg er på ferie til og med 1. december og læser ikke min mail.")
        return msg.as_bytes(policy=policy.SMTP)

    return make


@pytest.fixture
def make_dsn() -> Callable[..., bytes]:
    """Factory for a delivery status notification (RFC 3464) about a mail that was sent.

    `returned` is how much of that mail it quotes: its headers (text/rfc822-headers) or all
    of it (message/rfc822); `action` goes in the per-recipient block.
    """

    def make(sent: EmailMessage, *, action: str = "failed", returned: str = "headers") -> bytes:
        report = EmailMessage()
        report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
        report["To"] = FROM_ADDRESS
        report["Subject"] = "Undelivered Mail Returned to Sender"
        report["Date"] = format_datetime(datetime.now(UTC))
        report["Message-ID"] = f"<{uuid.uuid4().hex}@mx.example.org>"
        report["Auto-Submitted"] = "auto-replied"
        report.set_content("Your message could not be delivered to one or more recipients.")
        report.make_mixed()
        report.set_type("multipart/report")
        report.set_param("report-type", "delivery-status")
        per_message, per_recipient = Message(), Message()
        per_message["Reporting-MTA"] = "dns; mx.example.org"
        per_recipient["Final-Recipient"] = "rfc822; borger@example.org"
        per_recipient["Action"] = action
        per_recipient["Status"] = "5.1.1" if action == "failed" else "4.4.1"
        status = EmailMessage()
        status["Content-Type"] = "message/delivery-status"
        status.set_payload([per_message, per_recipient])
        report.attach(status)
        quoted = EmailMessage()
        if returned == "headers":
            header_section = sent.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n", 1)[0]
            quoted.set_content(header_section.decode() + "\r\n", subtype="rfc822-headers")
        else:
            quoted.set_content(sent)
        report.attach(quoted)
        return report.as_bytes(policy=policy.SMTP)

    return make


@dataclass
class DovecotServer:
    """A Dovecot on loopback with one user; folders named with '/' like the settings do."""

    host: str
    port: int
    root: Path
    process: subprocess.Popen[bytes]

    def client(self) -> IMAPClient:
        """A logged-in IMAP client; log it out after use."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(MAIL_USER, MAIL_PASSWORD)
        return client

    def append(self, *raws: bytes, folder: str = "INBOX") -> None:
        """Deliver mails into a folder with IMAP APPEND."""
        client = self.client()
        try:
            for raw in raws:
                client.append(_server_folder(folder), raw)
        finally:
            client.logout()

    def messages(self, folder: str) -> list[bytes]:
        """The raw mails in a folder (empty when it does not exist)."""
        client = self.client()
        try:
            name = _server_folder(folder)
            if not client.folder_exists(name):
                return []
            client.select_folder(name, readonly=True)
            uids = client.search(["UNDELETED"])
            fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [fetched[uid][b"BODY[]"] for uid in sorted(fetched)]
        finally:
            client.logout()

    def has_folder(self, folder: str) -> bool:
        """True once the folder exists."""
        client = self.client()
        try:
            return bool(client.folder_exists(_server_folder(folder)))
        finally:
            client.logout()

    def count(self, folder: str) -> int:
        """How many mails a folder holds."""
        client = self.client()
        try:
            name = _server_folder(folder)
            if not client.folder_exists(name):
                return 0
            return int(client.folder_status(name, [b"MESSAGES"])[b"MESSAGES"])
        finally:
            client.logout()

    def mailbox(self, **overrides: Any) -> Mailbox:
        """Settings for this server's shared mailbox."""
        fields: dict[str, Any] = {
            "name": "borgerservice",
            "host": self.host,
            "port": self.port,
            "tls": False,
            "username": MAIL_USER,
            "password": SecretStr(MAIL_PASSWORD),
        }
        fields.update(overrides)
        return Mailbox(**fields)


def _server_folder(folder: str) -> str:
    # Debian's Dovecot with Maildir separates folder levels with a dot.
    return folder.replace("/", ".")


def _start_dovecot(capabilities: str | None) -> DovecotServer:
    if not DOVECOT.exists():
        pytest.fail("Debian's dovecot-imapd is needed (scripts/ensure-services installs it)")
    root = Path(tempfile.mkdtemp(prefix="indgang-dovecot-"))
    # The mail processes run unprivileged: they must reach the maildir below this root.
    root.chmod(0o755)
    mail = root / "mail"
    mail.mkdir()
    if os.geteuid() == 0:
        mail_uid, mail_gid = _ids("nobody")
        internal, login = _existing_user("dovecot", "nobody"), _existing_user("dovenull", "nobody")
        os.chown(mail, mail_uid, mail_gid)
    else:
        mail_uid, mail_gid = os.getuid(), os.getgid()
        internal = login = pwd.getpwuid(mail_uid).pw_name
    port = free_port()
    (root / "passwd").write_text(
        f"{MAIL_USER}:{{PLAIN}}{MAIL_PASSWORD}:{mail_uid}:{mail_gid}::{mail / MAIL_USER}\n"
    )
    (root / "dovecot.conf").write_text(
        _DOVECOT_CONF.format(
            root=root,
            port=port,
            internal=internal,
            login=login,
            capability=f"imap_capability = {capabilities}" if capabilities else "",
        )
    )
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "stderr.log", "wb"),  # noqa: SIM115
        stdin=subprocess.DEVNULL,
    )
    server = DovecotServer("127.0.0.1", port, root, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    _stop_dovecot(server)
    pytest.fail(f"Dovecot did not start: {(root / 'stderr.log').read_text()[-2000:]}")


def _stop_dovecot(server: DovecotServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    shutil.rmtree(server.root, ignore_errors=True)


def _ids(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _existing_user(name: str, fallback: str) -> str:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return fallback
    return name


_DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """Debian's Dovecot on a free loopback port, with IDLE and MOVE, stopped after the test."""
    server = _start_dovecot(capabilities=None)
    yield server
    _stop_dovecot(server)


@pytest.fixture
def plain_dovecot() -> Iterator[DovecotServer]:
    """Dovecot advertising neither IDLE nor MOVE: the connector must poll and copy."""
    server = _start_dovecot(capabilities="IMAP4rev1 LITERAL+ SASL-IR UIDPLUS")
    yield server
    _stop_dovecot(server)


@dataclass
class SmtpCollector:
    """aiosmtpd handler keeping every accepted mail; refuses the addresses in `refuse`.

    Addresses in `local` are delivered there, as a relay hands its own domain's mail to the
    mailbox server; mail that went only to them is not kept in `messages`.
    """

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    local: dict[str, Callable[[bytes], None]] = field(default_factory=dict)

    # aiosmtpd finds its hooks by these exact names.
    async def handle_RCPT(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        for address in envelope.rcpt_tos:
            if (deliver := self.local.get(address)) is not None:
                deliver(raw)
        if any(address not in self.local for address in envelope.rcpt_tos):
            self.messages.append(message)
        return "250 Message accepted for delivery"


@dataclass
class SmtpTestServer:
    """The running SMTP server and what it received."""

    host: str
    port: int
    collector: SmtpCollector

    @property
    def messages(self) -> list[EmailMessage]:
        """Every mail accepted so far."""
        return list(self.collector.messages)

    def settings(self, **overrides: Any) -> SmtpServer:
        """Settings that send receipts through this server."""
        fields: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "starttls": False,
            "from_address": FROM_ADDRESS,
        }
        return SmtpServer(**(fields | overrides))

    def deliver_locally(self, address: str, dovecot: DovecotServer) -> None:
        """Put mail for `address` into the Dovecot INBOX, as the relay's local delivery would."""
        self.collector.local[address] = dovecot.append


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port, collecting what it is sent."""
    collector = SmtpCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpTestServer("127.0.0.1", port, collector)
    controller.stop()


@dataclass
class RunningConnector:
    """The mail connector on its own thread and event loop, with handles on what it writes."""

    settings: Settings
    ledger: Ledger
    mail_ledger: MailLedger
    metrics: Metrics
    stop_event: threading.Event
    thread: threading.Thread
    errors: list[BaseException]

    def stop(self) -> None:
        """Ask it to stop and wait; re-raise what killed it, if anything did."""
        self.stop_event.set()
        self.thread.join(30)
        assert not self.thread.is_alive(), "the mail connector did not stop within 30 s"
        if self.errors:
            raise self.errors[0]

    def metric(self, name: str, **labels: str) -> float:
        """A counter's current value."""
        return self.metrics.registry.get_sample_value(name, labels) or 0.0


@pytest.fixture
def start_connector(
    broker: EmbeddedBroker, sqlite_url: str
) -> Iterator[Callable[..., RunningConnector]]:
    """Start the mail connector in-process on the real broker and a SQLite ledger."""
    started: list[RunningConnector] = []
    engine = make_engine(sqlite_url)
    upgrade(engine)

    def start(*, mailbox: Mailbox, smtp: SmtpServer | None) -> RunningConnector:
        settings = Settings(
            kafka_bootstrap_servers=broker.bootstrap_servers,
            database_url=sqlite_url,
            mailboxes=[mailbox],
            smtp=smtp,
            mail_poll_s=1.0,
        )
        ledger = Ledger(engine)
        mail_ledger = MailLedger(engine)
        metrics = create_metrics()
        stop = threading.Event()
        errors: list[BaseException] = []

        async def main() -> None:
            await ensure_topics(bootstrap_servers=broker.bootstrap_servers, settings=settings)
            intake = Intake(
                ledger=ledger,
                producer=Producer(bootstrap_servers=broker.bootstrap_servers),
                topic=Topics.for_settings(settings).inquiries,
                citizen_keys=build_citizen_keys(settings),
            )
            await run_mail_connector(
                settings=settings,
                intake=intake,
                mail_ledger=mail_ledger,
                metrics=metrics,
                stop=stop,
            )

        def body() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=body, name="mail-connector", daemon=True)
        thread.start()
        running = RunningConnector(settings, ledger, mail_ledger, metrics, stop, thread, errors)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
    engine.dispose()
