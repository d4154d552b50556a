"""Send each decided mail inquiry's receipt over SMTP, once it is decided, then settle it.

Each receipt is claimed ("sending") in the ledger before the SMTP transaction and settled after
the server's reply. A sender that dies in between leaves it in doubt: SMTP cannot tell whether
the server took it. With `SmtpServer.copy_to` the same transaction also delivers a copy to a
watched mailbox, and the copy coming back settles the receipt as sent (exactly once); one still
in doubt after `confirm_within_s` was never taken and is sent again, with the same Message-ID.
Without a copy address a doubtful receipt is sent again after that time: at least once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from types import TracebackType
from typing import Literal

import aiosmtplib

from config.settings import SmtpServer
from connectors.mail.pause import pause
from connectors.mail.receipt_message import compose_receipt
from ledger.mail import DueReceipt, MailLedger
from models.errors import LedgerError, MailServerError
from streams.metrics import Metrics

log = logging.getLogger(__name__)

RECEIPT_INTERVAL_S = 2.0
# Receipts per SMTP session.
RECEIPT_BATCH = 100
Settled = Literal["sent", "suppressed", "failed"]
RETRY_AFTER_S = (5.0, 15.0, 60.0, 300.0)


class RecipientRefused(MailServerError):
    """The SMTP server refused the recipient for good (5xx): this receipt can never be sent."""


class CaughtUp:
    """When each watched mailbox began its latest finished catch-up: older copies were seen."""

    def __init__(self, mailboxes: Iterable[str]) -> None:
        self._began: dict[str, datetime | None] = dict.fromkeys(mailboxes)

    def finished(self, mailbox: str, *, began_at: datetime) -> None:
        """A catch-up that began at `began_at` went through the whole folder."""
        self._began[mailbox] = began_at

    def copies_seen_before(self) -> datetime | None:
        """Every copy delivered before this time has been read; None until each mailbox has."""
        began = list(self._began.values())
        if not began or any(b is None for b in began):
            return None
        return min(b for b in began if b is not None)


def in_doubt_before(smtp: SmtpServer, caught_up: CaughtUp | None) -> datetime:
    """Receipts claimed before this time and not settled are to be sent again."""
    cutoff = datetime.now(UTC) - timedelta(seconds=smtp.confirm_within_s)
    if smtp.copy_to is None or caught_up is None:
        return cutoff
    # A slow catch-up (many mails after downtime) must not make a copy waiting unread in the
    # folder look missing: wait also until the watchers have been through what arrived.
    seen = caught_up.copies_seen_before()
    return min(cutoff, seen) if seen is not None else datetime.min.replace(tzinfo=UTC)


class RecipientDeferred(MailServerError):
    """The SMTP server refused the recipient for now (4xx): nothing went to them, try later."""


class SmtpSender:
    """One SMTP session; library errors become MailServerError or RecipientRefused."""

    def __init__(self, server: SmtpServer, *, timeout_s: float = 30.0) -> None:
        password = server.password.get_secret_value() if server.password else None
        self._smtp = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=password,
            start_tls=server.starttls,
            timeout=timeout_s,
        )

    async def __aenter__(self) -> SmtpSender:
        try:
            await self._smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailServerError(f"SMTP connect failed: {type(exc).__name__}: {exc}") from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            self._smtp.close()

    async def send(self, message: EmailMessage, *, to: str, copy_to: str | None = None) -> None:
        """Hand one mail, and a copy in the same transaction, to the server until it accepts."""
        try:
            refused, _reply = await self._smtp.send_message(
                message, recipients=[to] + ([copy_to] if copy_to else [])
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(r.code >= 500 for r in exc.recipients):
                raise RecipientRefused(
                    f"SMTP refused the recipient: {exc.recipients[0].code}"
                ) from exc
            raise RecipientDeferred("SMTP deferred the recipient") from exc
        except aiosmtplib.SMTPResponseException as exc:
            # Sender or content refused: a problem of ours or the server's, so retry later.
            raise MailServerError(f"SMTP refused the mail: {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailServerError(f"SMTP send failed: {type(exc).__name__}") from exc
        # Only the copy went: it must not settle a receipt the citizen never got.
        if (response := refused.get(to)) is not None:
            if response.code >= 500:
                raise RecipientRefused(f"SMTP refused the recipient: {response.code}")
            raise RecipientDeferred(f"SMTP deferred the recipient: {response.code}")


async def send_due_receipts(
    *,
    mail_ledger: MailLedger,
    smtp: SmtpServer,
    metrics: Metrics,
    stop: threading.Event,
    caught_up: CaughtUp | None = None,
) -> int:
    """Send every receipt that is due now; return how many went out."""
    sent = 0
    while not stop.is_set():
        cutoff = in_doubt_before(smtp, caught_up)
        due = await asyncio.to_thread(
            mail_ledger.due_receipts, in_doubt_before=cutoff, limit=RECEIPT_BATCH
        )
        if not due:
            break
        async with SmtpSender(smtp) as sender:
            for receipt in due:
                if stop.is_set():
                    break
                claimed = await asyncio.to_thread(
                    mail_ledger.claim_receipt,
                    message_key=receipt.message_key,
                    in_doubt_before=cutoff,
                )
                if claimed:
                    sent += await _send_one(
                        receipt, sender=sender, smtp=smtp, mail_ledger=mail_ledger, metrics=metrics
                    )
        if len(due) < RECEIPT_BATCH:
            break
    return sent


async def _send_one(
    receipt: DueReceipt,
    *,
    sender: SmtpSender,
    smtp: SmtpServer,
    mail_ledger: MailLedger,
    metrics: Metrics,
) -> int:
    to = receipt.reply_to
    # Never answer ourselves: a receipt that came back would start a loop.
    if to is None or to.lower() == smtp.from_address.lower():
        await _settle(receipt, "suppressed", mail_ledger=mail_ledger, metrics=metrics)
        return 0
    try:
        message = compose_receipt(
            inquiry=receipt.inquiry,
            decision=receipt.decision,
            to=to,
            from_address=smtp.from_address,
            now=datetime.now(UTC),
        )
        await sender.send(message, to=to, copy_to=smtp.copy_to)
    except RecipientDeferred:
        await asyncio.to_thread(mail_ledger.release_receipt, message_key=receipt.message_key)
        raise
    except (RecipientRefused, ValueError) as exc:
        # ValueError: an address the mail library will not put in a header.
        log.warning("receipt for %s cannot be sent: %s", receipt.inquiry.id, type(exc).__name__)
        await _settle(receipt, "failed", mail_ledger=mail_ledger, metrics=metrics)
        return 0
    await _settle(receipt, "sent", mail_ledger=mail_ledger, metrics=metrics)
    log.info("receipt sent for %s (%s)", receipt.inquiry.id, receipt.decision.action)
    return 1


async def _settle(
    receipt: DueReceipt, state: Settled, *, mail_ledger: MailLedger, metrics: Metrics
) -> None:
    await asyncio.to_thread(
        mail_ledger.finish_receipt, message_key=receipt.message_key, state=state
    )
    metrics.mail_receipts.labels(outcome=state).inc()


async def send_receipts_forever(
    *,
    mail_ledger: MailLedger,
    smtp: SmtpServer,
    metrics: Metrics,
    stop: threading.Event,
    caught_up: CaughtUp | None = None,
    interval_s: float = RECEIPT_INTERVAL_S,
) -> None:
    """Send due receipts every interval until stopped; server or ledger trouble backs off."""
    failures = 0
    while not stop.is_set():
        try:
            await send_due_receipts(
                mail_ledger=mail_ledger, smtp=smtp, metrics=metrics, stop=stop, caught_up=caught_up
            )
            failures = 0
        except (MailServerError, LedgerError) as exc:
            delay = RETRY_AFTER_S[min(failures, len(RETRY_AFTER_S) - 1)]
            failures += 1
            metrics.mail_receipts.labels(outcome="deferred").inc()
            log.warning("receipts deferred %.0f s: %s", delay, exc)
            await pause(stop, delay)
            continue
        await pause(stop, interval_s)
