"""The mail connector: every configured mailbox taken in, receipts sent, until told to stop.

A mail stays in its folder until its inquiry is durable in the ledger; only then is it moved to
the processed folder. A crash in between reads it again, and its inquiry id (derived from the
Message-ID) finds the inquiry already made, so no mail becomes two inquiries.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from config.settings import Mailbox, Settings
from connectors.mail.imap_source import FETCH_CHUNK, PARKED_FOLDER, FetchedMail, ImapSource
from connectors.mail.inquiries import inquiry_from_mail
from connectors.mail.parsing import ParsedMail, parse_mail
from connectors.mail.pause import pause
from connectors.mail.receipt_copies import receipt_copy_of
from connectors.mail.receipt_replies import (
    MACHINE_REASONS,
    MachineReply,
    machine_reply_to_receipt,
)
from connectors.mail.receipts import CaughtUp, send_receipts_forever
from ledger.mail import MailLedger
from models.errors import BrokerError, LedgerError, MailParseError, MailServerError
from models.wire import DeadLetter, encode, lenient_text
from streams.intake import Intake
from streams.metrics import Metrics
from streams.topics import Topics

log = logging.getLogger(__name__)

RECONNECT_AFTER_S = (1.0, 2.0, 5.0, 15.0, 60.0)
# A dead letter carries this much of the mail (JSON-escaped, it stays under the producer's 2 MB
# request limit); the whole mail stays in the parked folder.
DEAD_LETTER_CHARS = 256_000
# How long intake waits for the broker at start before taking mail in anyway (ledger first).
PRODUCER_GRACE_S = 15.0

_T = TypeVar("_T")


class MailboxWatcher:
    """Takes every mail of one shared mailbox in as an inquiry, then files it away."""

    def __init__(
        self,
        *,
        mailbox: Mailbox,
        intake: Intake,
        mail_ledger: MailLedger,
        dead_letter_topic: str,
        metrics: Metrics,
        poll_s: float,
        receipt_from: str | None,
        stop: threading.Event,
        caught_up: CaughtUp | None = None,
    ) -> None:
        self.mailbox = mailbox
        self.intake = intake
        self.mail_ledger = mail_ledger
        self.dead_letter_topic = dead_letter_topic
        self.metrics = metrics
        self.poll_s = poll_s
        # Receipts are sent from this address when SMTP is configured; copies come back from it.
        self.receipt_from = receipt_from
        self.caught_up = caught_up
        self.stop = stop
        self.source = ImapSource(mailbox)
        # IMAPClient is not thread-safe: one thread per mailbox does all its IMAP calls.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"imap-{mailbox.name}")

    async def run(self) -> None:
        """Connect, catch up, wait for news, repeat; reconnect with back-off on trouble."""
        failures = 0
        try:
            while not self.stop.is_set():
                try:
                    await self._imap(self.source.connect)
                    log.info(
                        "mailbox %s: connected, %s",
                        self.mailbox.name,
                        "IDLE" if self.source.supports_idle else f"polling every {self.poll_s} s",
                    )
                    failures = 0
                    while not self.stop.is_set():
                        await self.catch_up()
                        await self._imap(
                            lambda: self.source.wait_for_mail(stop=self.stop, poll_s=self.poll_s)
                        )
                except (MailServerError, LedgerError) as exc:
                    delay = RECONNECT_AFTER_S[min(failures, len(RECONNECT_AFTER_S) - 1)]
                    failures += 1
                    log.warning("mailbox %s: %s; again in %.0f s", self.mailbox.name, exc, delay)
                    await self._imap(self.source.close)
                    await pause(self.stop, delay)
        finally:
            await self._imap(self.source.close)
            self._thread.shutdown(wait=False)

    async def catch_up(self) -> int:
        """Take in everything in the folder, searching again until nothing is left."""
        began_at = datetime.now(UTC)
        taken = 0
        while not self.stop.is_set():
            uids = await self._imap(self.source.waiting)
            moved = 0
            for start in range(0, len(uids), FETCH_CHUNK):
                chunk = uids[start : start + FETCH_CHUNK]
                for mail in await self._imap(partial(self.source.fetch, chunk)):
                    if self.stop.is_set():
                        return taken + moved
                    moved += await self.take(mail)
            taken += moved
            # Nothing moved: the folder is empty, or what is left must wait for the broker.
            if not moved:
                if self.caught_up is not None:
                    self.caught_up.finished(self.mailbox.name, began_at=began_at)
                break
        return taken

    async def take(self, mail: FetchedMail) -> int:
        """Make one mail an inquiry (or park it), then move it out of the folder."""
        try:
            if mail.raw is None:
                raise MailParseError(f"the mail is {mail.size} bytes, too large", code="too_large")
            if self.receipt_from and (
                receipt_for := receipt_copy_of(mail.raw, from_address=self.receipt_from)
            ):
                return await self._file_receipt_copy(mail, receipt_for=receipt_for)
            parsed = parse_mail(mail.raw)
            if self.receipt_from and parsed.no_reply in MACHINE_REASONS:
                reply = await asyncio.to_thread(
                    machine_reply_to_receipt,
                    mail.raw,
                    from_address=self.receipt_from,
                    sent_receipts=self.mail_ledger.sent_receipts,
                )
                if reply is not None:
                    return await self._file_machine_reply(mail, reply)
            inquiry = inquiry_from_mail(
                parsed, mailbox=self.mailbox.name, received_at=mail.received_at
            )
        except MailParseError as exc:
            return await self._park(mail, exc)
        # Durable in the ledger (and published) before the mail leaves the folder.
        await self.intake.accept(inquiry, contact=parsed.sender)
        created = await asyncio.to_thread(
            self.mail_ledger.record,
            message_key=parsed.message_key,
            mailbox=self.mailbox.name,
            uid=mail.uid,
            inquiry_id=inquiry.id,
            reply_to=parsed.reply_to,
            receipt_state="pending" if self._wants_receipt(parsed) else "suppressed",
        )
        await self._imap(lambda: self.source.file([mail.uid], self.mailbox.processed_folder))
        if created:
            self.metrics.mail_received.labels(mailbox=self.mailbox.name).inc()
        log.info(
            "mailbox %s: mail %s taken in as %s%s",
            self.mailbox.name,
            parsed.message_key[:12],
            inquiry.id,
            "" if created else " (seen before)",
        )
        return 1

    def _wants_receipt(self, parsed: ParsedMail) -> bool:
        return self.receipt_from is not None and parsed.no_reply is None

    async def _file_receipt_copy(self, mail: FetchedMail, *, receipt_for: str) -> int:
        """A copy of our own receipt: it settles a receipt in doubt and is never an inquiry."""
        settled = await asyncio.to_thread(self.mail_ledger.confirm_receipt, inquiry_id=receipt_for)
        await self._imap(lambda: self.source.file([mail.uid], self.mailbox.receipts_folder))
        if settled:
            log.info(
                "mailbox %s: receipt for %s settled by its copy", self.mailbox.name, receipt_for
            )
        return 1

    async def _file_machine_reply(self, mail: FetchedMail, reply: MachineReply) -> int:
        """An auto-reply to or bounce of our receipt: never an inquiry; a hard bounce fails it."""
        if reply.kind == "failed":
            # Before the move: a crash in between reads the bounce again and fails it again.
            await asyncio.to_thread(
                self.mail_ledger.finish_receipt, message_key=reply.message_key, state="failed"
            )
        folder = self.mailbox.machine_replies_folder
        await self._imap(lambda: self.source.file([mail.uid], folder))
        self.metrics.mail_machine_replies.labels(mailbox=self.mailbox.name, kind=reply.kind).inc()
        log.info(
            "mailbox %s: %s about the receipt for %s filed in %s",
            self.mailbox.name,
            reply.kind,
            reply.inquiry_id,
            folder,
        )
        return 1

    async def _park(self, mail: FetchedMail, exc: MailParseError) -> int:
        raw = mail.raw or b""
        identity = raw or f"{self.mailbox.name}/{mail.uid}/{mail.size}".encode()
        key = hashlib.sha256(identity).hexdigest()
        letter = DeadLetter(
            reason=f"unparseable mail: {exc.reason}",
            source_topic=f"mail/{self.mailbox.name}",
            key=key,
            payload=lenient_text(raw, limit=DEAD_LETTER_CHARS),
            detail={
                "code": exc.code,
                "mailbox": self.mailbox.name,
                "uid": mail.uid,
                "size": mail.size,
                "parked_in": PARKED_FOLDER,
            },
        )
        try:
            await self.intake.producer.publish(
                topic=self.dead_letter_topic, messages=[(key, encode("dead_letter", letter))]
            )
        except BrokerError as error:
            # Left in the folder: parked on a later round, once the broker answers.
            log.warning("mailbox %s: parking deferred: %s", self.mailbox.name, error)
            return 0
        await self._imap(lambda: self.source.file([mail.uid], PARKED_FOLDER))
        self.metrics.mail_parked.labels(mailbox=self.mailbox.name, reason=exc.code).inc()
        log.warning(
            "mailbox %s: mail uid %d parked in %s: %s",
            self.mailbox.name,
            mail.uid,
            PARKED_FOLDER,
            exc.code,
        )
        return 1

    async def _imap(self, call: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)


async def run_mail_connector(
    *,
    settings: Settings,
    intake: Intake,
    mail_ledger: MailLedger,
    metrics: Metrics,
    stop: threading.Event,
) -> None:
    """Watch every configured mailbox and send receipts until `stop` is set."""
    connecting = asyncio.create_task(_keep_connected(intake, stop))
    await asyncio.wait([connecting], timeout=PRODUCER_GRACE_S)
    topics = Topics.for_settings(settings)
    caught_up = CaughtUp(mailbox.name for mailbox in settings.mailboxes)
    tasks = [
        asyncio.create_task(
            MailboxWatcher(
                mailbox=mailbox,
                intake=intake,
                mail_ledger=mail_ledger,
                dead_letter_topic=topics.dead_letters,
                metrics=metrics,
                poll_s=settings.mail_poll_s,
                receipt_from=settings.smtp.from_address if settings.smtp else None,
                stop=stop,
                caught_up=caught_up,
            ).run()
        )
        for mailbox in settings.mailboxes
    ]
    if settings.smtp is not None:
        tasks.append(
            asyncio.create_task(
                send_receipts_forever(
                    mail_ledger=mail_ledger,
                    smtp=settings.smtp,
                    metrics=metrics,
                    stop=stop,
                    caught_up=caught_up,
                )
            )
        )
    else:
        log.warning("no SMTP server configured: mail is taken in, no receipts are sent")
    try:
        await asyncio.gather(*tasks)
    finally:
        stop.set()
        connecting.cancel()
        await asyncio.gather(*tasks, connecting, return_exceptions=True)
        await intake.producer.stop()
        log.info("mail connector stopped")


async def run_until_signalled(
    *, settings: Settings, intake: Intake, mail_ledger: MailLedger, metrics: Metrics
) -> None:
    """run_mail_connector, stopped cleanly by SIGTERM or SIGINT: the mail in hand is finished."""
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await run_mail_connector(
        settings=settings, intake=intake, mail_ledger=mail_ledger, metrics=metrics, stop=stop
    )


async def _keep_connected(intake: Intake, stop: threading.Event) -> None:
    """Connect the producer, retrying while the broker is away; intake is durable meanwhile."""
    while not intake.producer.started and not stop.is_set():
        try:
            await intake.producer.start()
        except BrokerError as exc:
            log.warning("broker not reachable yet: %s", exc)
            await pause(stop, 2.0)
