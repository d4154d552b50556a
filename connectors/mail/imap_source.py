"""One shared mailbox over IMAP: what waits in its folder, filing mail away, waiting for news.

Blocking (IMAPClient is synchronous and not thread-safe): each mailbox gets its own thread.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import DELETED, IMAPClient  # type: ignore[import-untyped]

from config.settings import Mailbox
from models.errors import MailServerError

log = logging.getLogger(__name__)

PARKED_FOLDER = "Indgang/Fejl"
# RFC 2177: re-issue IDLE well within the server's 30-minute inactivity timeout.
IDLE_RENEW_S = 300.0
# How soon a stop is noticed while idling.
IDLE_CHECK_S = 1.0
FETCH_CHUNK = 25
# Larger mails are parked unread: their content would not fit an inquiry or a dead letter.
MAX_MAIL_BYTES = 40 * 1024 * 1024


@dataclass(frozen=True)
class FetchedMail:
    """A mail as the server holds it; raw is None when it is too large to fetch."""

    uid: int
    raw: bytes | None
    size: int
    received_at: datetime


class ImapSource:
    """A logged-in connection to one mailbox, its folder selected."""

    def __init__(self, mailbox: Mailbox, *, timeout_s: float = 30.0) -> None:
        self.mailbox = mailbox
        self.timeout_s = timeout_s
        self._client: IMAPClient | None = None
        self._delimiter = "/"
        self.supports_idle = False
        self.supports_move = False
        self._supports_uidplus = False

    def connect(self) -> None:
        """Log in, note the server's capabilities, create missing folders, select the inbox."""
        box = self.mailbox
        with self._translated("connect"):
            client = IMAPClient(box.host, port=box.port, ssl=box.tls, timeout=self.timeout_s)
            self._client = client
            client.normalise_times = False  # aware INTERNALDATEs, not naive local times
            client.login(box.username, box.password.get_secret_value())
            capabilities = set(client.capabilities())
            self.supports_idle = b"IDLE" in capabilities
            self.supports_move = b"MOVE" in capabilities
            self._supports_uidplus = b"UIDPLUS" in capabilities
            root = client.list_folders("", "")
            delimiter = root[0][1] if root else None
            self._delimiter = delimiter.decode() if isinstance(delimiter, bytes) else "/"
            folders = (
                box.processed_folder,
                box.receipts_folder,
                box.machine_replies_folder,
                PARKED_FOLDER,
            )
            for folder in folders:
                name = self.server_name(folder)
                if not client.folder_exists(name):
                    client.create_folder(name)
                    client.subscribe_folder(name)
                    log.info("mailbox %s: created folder %s", box.name, name)
            client.select_folder(self.server_name(box.folder))

    def close(self) -> None:
        """Log out, ignoring a connection that is already gone."""
        client, self._client = self._client, None
        if client is None:
            return
        # Closing anyway: a dead connection has nothing left to say.
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()

    def server_name(self, folder: str) -> str:
        """A configured folder path ("Indgang/Fejl") with the server's hierarchy delimiter."""
        if folder.upper() == "INBOX":
            return "INBOX"
        return folder.replace("/", self._delimiter)

    def waiting(self) -> list[int]:
        """UIDs of every mail in the folder, oldest first: all of it is still to be taken in."""
        with self._translated("search"):
            return sorted(self._connected().search(["UNDELETED"]))

    def fetch(self, uids: Sequence[int]) -> list[FetchedMail]:
        """The mails with these UIDs (at most FETCH_CHUNK of them), without setting \\Seen."""
        client = self._connected()
        with self._translated("fetch"):
            meta = client.fetch(list(uids), ["RFC822.SIZE", "INTERNALDATE"])
            small = [u for u in uids if u in meta and meta[u][b"RFC822.SIZE"] <= MAX_MAIL_BYTES]
            bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        fetched = []
        for uid in uids:
            if uid not in meta:
                continue  # expunged by someone else meanwhile
            received = meta[uid].get(b"INTERNALDATE")
            if isinstance(received, datetime) and received.tzinfo is None:
                received = received.replace(tzinfo=UTC)  # a server that gave no offset
            fetched.append(
                FetchedMail(
                    uid=uid,
                    raw=bodies[uid][b"BODY[]"] if uid in bodies else None,
                    size=int(meta[uid][b"RFC822.SIZE"]),
                    received_at=received if isinstance(received, datetime) else datetime.now(UTC),
                )
            )
        return fetched

    def file(self, uids: Sequence[int], folder: str) -> None:
        """Move mails to a folder: MOVE, or COPY, \\Deleted and EXPUNGE where MOVE is missing."""
        client = self._connected()
        target = self.server_name(folder)
        with self._translated("move"):
            if self.supports_move:
                client.move(list(uids), target)
                return
            client.copy(list(uids), target)
            client.add_flags(list(uids), [DELETED])
            if self._supports_uidplus:
                client.uid_expunge(list(uids))
            else:
                # Without UIDPLUS this also expunges mail others flagged \Deleted: it was going.
                client.expunge()

    def wait_for_mail(self, *, stop: threading.Event, poll_s: float) -> None:
        """Return when mail may have arrived: IDLE where offered, else after poll_s."""
        if not self.supports_idle:
            stop.wait(poll_s)
            return
        client = self._connected()
        # Also bounded by poll_s: a full search now and then catches what a notice missed.
        deadline = time.monotonic() + min(poll_s, IDLE_RENEW_S)
        with self._translated("idle"):
            client.idle()
            try:
                while not stop.is_set() and time.monotonic() < deadline:
                    responses = client.idle_check(timeout=IDLE_CHECK_S)
                    if any(len(r) > 1 and r[1] == b"EXISTS" for r in responses):
                        return
            finally:
                client.idle_done()

    def _connected(self) -> IMAPClient:
        if self._client is None:
            raise MailServerError(f"mailbox {self.mailbox.name}: not connected")
        return self._client

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except (imaplib.IMAP4.error, OSError) as exc:
            # Server replies name commands and folders, never the mail's content.
            raise MailServerError(
                f"mailbox {self.mailbox.name}: IMAP {what} failed: {type(exc).__name__}: {exc}"
            ) from exc
