"""The mail connector against real Dovecot, Tansu and SMTP servers, run in-process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from config.knowledge import load_knowledge_base
from connectors.mail.parsing import parse_mail
from connectors.mail.receipt_message import compose_receipt
from connectors.mail.receipts import SmtpSender
from ledger.mail import MailLedger
from ledger.store import Ledger
from models.classification import Classification
from models.decision import Answer, RoutingDecision
from models.inquiry import Inquiry
from models.wire import DeadLetter, decode
from streams.embedded_broker import EmbeddedBroker
from streams.topics import Topics
from tests.connectors.mail.conftest import (
    FROM_ADDRESS,
    MAILBOX_ADDRESS,
    DovecotServer,
    RunningConnector,
    SmtpTestServer,
)
from tests.processes import wait_until

pytestmark = [pytest.mark.imap, pytest.mark.broker]

PROCESSED = "Indgang/Behandlet"
PARKED = "Indgang/Fejl"


@pytest.fixture
def decide(
    make_decision: Callable[..., RoutingDecision],
    make_classification: Callable[..., Classification],
) -> Callable[..., RoutingDecision]:
    """Stand in for the worker: record a decision for a mail inquiry in the ledger."""

    def record(ledger: Ledger, inquiry: Inquiry, **overrides: Any) -> RoutingDecision:
        fields: dict[str, Any] = {
            "queue": "mtm.affald",
            "classification": make_classification(service_area="mtm.affald"),
        }
        decision = make_decision(inquiry.id, **(fields | overrides))
        ledger.record_decisions(decided=[(inquiry, decision)])
        return decision

    return record


def _inquiries(connector: RunningConnector) -> list[Inquiry]:
    return connector.ledger.recorded_inquiries()


def test_mail_that_arrived_while_the_connector_was_down_is_all_taken_in_on_start(
    dovecot: DovecotServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
) -> None:
    dovecot.append(*(make_mail(subject=f"Henvendelse {n}") for n in range(7)))
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=None)
    wait_until(lambda: dovecot.count(PROCESSED) == 7, timeout_s=30, what="7 mails filed")
    inquiries = _inquiries(connector)
    assert sorted(i.subject for i in inquiries) == [f"Henvendelse {n}" for n in range(7)]
    assert {i.channel for i in inquiries} == {"mail"}
    assert dovecot.count("INBOX") == 0
    assert connector.metric("indgang_mail_received_total", mailbox="borgerservice") == 7


def test_mail_arriving_while_it_runs_is_taken_in(
    dovecot: DovecotServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
) -> None:
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=None)
    wait_until(lambda: dovecot.has_folder(PARKED), timeout_s=30, what="the connector's folders")
    dovecot.append(make_mail(subject="Kom efter start"))
    wait_until(lambda: len(_inquiries(connector)) == 1, timeout_s=30, what="the inquiry")
    assert _inquiries(connector)[0].subject == "Kom efter start"


def test_a_mail_read_again_makes_no_second_inquiry(
    dovecot: DovecotServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
) -> None:
    raw = make_mail(message_id="<samme-mail@example.org>")
    # Two copies with one Message-ID: what the server shows after a crash before the move.
    dovecot.append(raw, raw)
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=None)
    wait_until(lambda: dovecot.count(PROCESSED) == 2, timeout_s=30, what="both copies filed")
    assert len(_inquiries(connector)) == 1
    assert connector.metric("indgang_mail_received_total", mailbox="borgerservice") == 1


def test_an_unparseable_mail_is_parked_with_its_reason_and_counted_and_the_next_is_taken_in(
    dovecot: DovecotServer,
    broker: EmbeddedBroker,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    sample: Callable[[str], bytes],
) -> None:
    dovecot.append(sample("no-content.eml"), make_mail(subject="Efter den tomme"))
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=None)
    wait_until(lambda: dovecot.count(PROCESSED) == 1, timeout_s=30, what="the good mail filed")
    wait_until(lambda: dovecot.count(PARKED) == 1, timeout_s=30, what="the bad mail parked")
    assert [i.subject for i in _inquiries(connector)] == ["Efter den tomme"]
    assert dovecot.messages(PARKED) == [sample("no-content.eml")]
    labels = {"mailbox": "borgerservice", "reason": "no_content"}
    assert connector.metric("indgang_mail_parked_total", **labels) == 1
    letter = asyncio.run(_first_dead_letter(broker, Topics.for_settings(connector.settings)))
    assert letter.reason == "unparseable mail: the mail has neither a subject nor any text"
    assert letter.source_topic == "mail/borgerservice"
    assert letter.detail["code"] == "no_content"
    assert "blank-1@example.org" in letter.payload


async def _first_dead_letter(broker: EmbeddedBroker, topics: Topics) -> DeadLetter:
    consumer = AIOKafkaConsumer(
        topics.dead_letters,
        bootstrap_servers=broker.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()
    letter: DeadLetter = decode("dead_letter", message.value)
    return letter


def test_an_auto_reply_gets_no_receipt_and_an_ordinary_mail_does(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    sample: Callable[[str], bytes],
    decide: Callable[..., RoutingDecision],
) -> None:
    dovecot.append(sample("auto-reply.eml"), make_mail(sender="borger@example.org"))
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=smtp_server.settings())
    wait_until(lambda: len(_inquiries(connector)) == 2, timeout_s=30, what="both inquiries")
    for inquiry in _inquiries(connector):
        decide(connector.ledger, inquiry)
    wait_until(lambda: len(smtp_server.messages) == 1, timeout_s=30, what="one receipt")
    wait_until(
        lambda: connector.mail_ledger.receipt_counts() == {"sent": 1, "suppressed": 1},
        timeout_s=30,
        what="the receipt settled",
    )
    assert smtp_server.messages[0]["To"] == "borger@example.org"
    assert connector.metric("indgang_mail_receipts_total", outcome="sent") == 1


def test_a_resolved_inquiry_s_receipt_carries_the_answer_s_link_threaded_to_the_mail(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    decide: Callable[..., RoutingDecision],
) -> None:
    raw = make_mail(sender="Borger <borger@example.org>", subject="Flytning")
    dovecot.append(raw)
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=smtp_server.settings())
    wait_until(lambda: len(_inquiries(connector)) == 1, timeout_s=30, what="the inquiry")
    entry = next(e for e in load_knowledge_base().entries.values() if e.link and e.phone)
    answer = Answer(text=entry.answer, link=entry.link, phone=entry.phone, source_id=entry.id)
    inquiry = _inquiries(connector)[0]
    decide(connector.ledger, inquiry, action="resolve", answer=answer, due_at=None)
    wait_until(lambda: len(smtp_server.messages) == 1, timeout_s=30, what="the receipt")
    receipt = smtp_server.messages[0]
    body = receipt.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert entry.link is not None and entry.link in text
    assert f"Referencenummer: {inquiry.id}" in text
    assert receipt["In-Reply-To"] == parse_mail(raw).message_id
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert receipt["From"] == FROM_ADDRESS
    assert receipt["Subject"] == "Re: Flytning"


def test_a_recipient_the_smtp_server_refuses_is_marked_failed_and_not_retried(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    decide: Callable[..., RoutingDecision],
) -> None:
    smtp_server.collector.refuse.add("forkert@example.org")
    dovecot.append(make_mail(sender="forkert@example.org"), make_mail(sender="ok@example.org"))
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=smtp_server.settings())
    wait_until(lambda: len(_inquiries(connector)) == 2, timeout_s=30, what="both inquiries")
    for inquiry in _inquiries(connector):
        decide(connector.ledger, inquiry)
    wait_until(
        lambda: connector.mail_ledger.receipt_counts() == {"sent": 1, "failed": 1},
        timeout_s=30,
        what="both receipts settled",
    )
    assert [m["To"] for m in smtp_server.messages] == ["ok@example.org"]
    assert connector.metric("indgang_mail_receipts_total", outcome="failed") == 1


def test_without_idle_and_move_the_connector_polls_and_copies_then_expunges(
    plain_dovecot: DovecotServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
) -> None:
    plain_dovecot.append(make_mail(subject="Før start"))
    connector = start_connector(mailbox=plain_dovecot.mailbox(), smtp=None)
    wait_until(lambda: plain_dovecot.count(PROCESSED) == 1, timeout_s=30, what="first filed")
    plain_dovecot.append(make_mail(subject="Efter start"))
    wait_until(lambda: plain_dovecot.count(PROCESSED) == 2, timeout_s=30, what="second filed")
    assert plain_dovecot.count("INBOX") == 0
    assert sorted(i.subject for i in _inquiries(connector)) == ["Efter start", "Før start"]


def test_a_stopped_connector_leaves_unread_mail_in_the_inbox_for_the_next_start(
    dovecot: DovecotServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
) -> None:
    first = start_connector(mailbox=dovecot.mailbox(), smtp=None)
    wait_until(lambda: dovecot.has_folder(PARKED), timeout_s=30, what="the connector's folders")
    first.stop()
    dovecot.append(*(make_mail(subject=f"Mens nede {n}") for n in range(3)))
    assert dovecot.count("INBOX") == 3
    second = start_connector(mailbox=dovecot.mailbox(), smtp=None)
    wait_until(lambda: dovecot.count(PROCESSED) == 3, timeout_s=30, what="3 mails filed")
    assert len(_inquiries(second)) == 3


RECEIPTS = "Indgang/Kvitteringer"


def test_a_receipt_s_copy_to_the_watched_mailbox_is_filed_and_never_taken_in(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    decide: Callable[..., RoutingDecision],
) -> None:
    smtp_server.deliver_locally(MAILBOX_ADDRESS, dovecot)
    dovecot.append(make_mail(sender="borger@example.org"))
    smtp = smtp_server.settings(copy_to=MAILBOX_ADDRESS)
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=smtp)
    wait_until(lambda: len(_inquiries(connector)) == 1, timeout_s=30, what="the inquiry")
    decide(connector.ledger, _inquiries(connector)[0])
    wait_until(lambda: dovecot.count(RECEIPTS) == 1, timeout_s=30, what="the copy filed")
    assert [m["To"] for m in smtp_server.messages] == ["borger@example.org"]
    assert len(_inquiries(connector)) == 1
    assert dovecot.count("INBOX") == 0
    assert connector.mail_ledger.receipt_counts() == {"sent": 1}


def _left_in_doubt(
    connector: RunningConnector, smtp_server: SmtpTestServer, *, taken_by_server: bool
) -> None:
    """Claim the one due receipt as a sender does, then die: after the server took it, or before."""
    mail_ledger: MailLedger = connector.mail_ledger
    now = datetime.now(UTC)
    [receipt] = mail_ledger.due_receipts(in_doubt_before=now)
    assert mail_ledger.claim_receipt(message_key=receipt.message_key, in_doubt_before=now)
    if not taken_by_server:
        return
    assert receipt.reply_to is not None
    message = compose_receipt(
        inquiry=receipt.inquiry,
        decision=receipt.decision,
        to=receipt.reply_to,
        from_address=FROM_ADDRESS,
        now=now,
    )

    async def send() -> None:
        async with SmtpSender(smtp_server.settings()) as sender:
            await sender.send(message, to=receipt.reply_to or "", copy_to=MAILBOX_ADDRESS)

    asyncio.run(send())


@pytest.mark.parametrize("taken_by_server", [True, False], ids=["after-the-dot", "before-it"])
def test_a_receipt_whose_sender_died_mid_send_reaches_the_citizen_exactly_once(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    decide: Callable[..., RoutingDecision],
    taken_by_server: bool,
) -> None:
    smtp_server.deliver_locally(MAILBOX_ADDRESS, dovecot)
    dovecot.append(make_mail(sender="borger@example.org"))
    window = 4.0
    smtp = smtp_server.settings(copy_to=MAILBOX_ADDRESS, confirm_within_s=window)
    first = start_connector(mailbox=dovecot.mailbox(), smtp=smtp)
    wait_until(lambda: len(_inquiries(first)) == 1, timeout_s=30, what="the inquiry")
    first.stop()
    # Undecided until now, so the first connector owed no receipt yet.
    assert first.mail_ledger.receipt_counts() == {"pending": 1}
    decide(first.ledger, _inquiries(first)[0])
    _left_in_doubt(first, smtp_server, taken_by_server=taken_by_server)
    claimed_at = time.monotonic()

    second = start_connector(mailbox=dovecot.mailbox(), smtp=smtp)
    wait_until(
        lambda: second.mail_ledger.receipt_counts() == {"sent": 1},
        timeout_s=30,
        what="the receipt settled",
    )
    # Past the window nothing in doubt is left to send again.
    time.sleep(max(0.0, claimed_at + window + 3.0 - time.monotonic()))
    assert [m["To"] for m in smtp_server.messages] == ["borger@example.org"]
    assert dovecot.count(RECEIPTS) == 1
    assert dovecot.count("INBOX") == 0


MACHINE_REPLIES = "Indgang/Automatisk"


def _sent_receipt(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    decide: Callable[..., RoutingDecision],
) -> tuple[RunningConnector, EmailMessage]:
    """A connector that took one citizen's mail in and has sent its receipt."""
    dovecot.append(make_mail(sender="borger@example.org"))
    connector = start_connector(mailbox=dovecot.mailbox(), smtp=smtp_server.settings())
    wait_until(lambda: len(_inquiries(connector)) == 1, timeout_s=30, what="the inquiry")
    decide(connector.ledger, _inquiries(connector)[0])
    wait_until(
        lambda: connector.mail_ledger.receipt_counts() == {"sent": 1},
        timeout_s=30,
        what="the receipt sent",
    )
    return connector, smtp_server.messages[0]


def test_a_bounce_of_a_sent_receipt_fails_it_and_is_filed_never_taken_in(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    make_dsn: Callable[..., bytes],
    decide: Callable[..., RoutingDecision],
) -> None:
    connector, receipt = _sent_receipt(dovecot, smtp_server, start_connector, make_mail, decide)
    dsn = make_dsn(receipt, action="failed")
    dovecot.append(dsn)
    wait_until(lambda: dovecot.count(MACHINE_REPLIES) == 1, timeout_s=30, what="the DSN filed")
    assert connector.mail_ledger.receipt_counts() == {"failed": 1}
    assert len(_inquiries(connector)) == 1
    assert dovecot.messages(MACHINE_REPLIES) == [dsn]
    assert dovecot.count("INBOX") == 0
    labels = {"mailbox": "borgerservice", "kind": "failed"}
    assert connector.metric("indgang_mail_machine_replies_total", **labels) == 1
    assert connector.metric("indgang_mail_received_total", mailbox="borgerservice") == 1


def test_an_auto_reply_and_a_delay_notice_are_filed_and_a_forged_one_is_still_taken_in(
    dovecot: DovecotServer,
    smtp_server: SmtpTestServer,
    start_connector: Callable[..., RunningConnector],
    make_mail: Callable[..., bytes],
    make_dsn: Callable[..., bytes],
    make_auto_reply: Callable[..., bytes],
    make_receipt: Callable[..., EmailMessage],
    decide: Callable[..., RoutingDecision],
) -> None:
    connector, receipt = _sent_receipt(dovecot, smtp_server, start_connector, make_mail, decide)
    # Right in form, but for an inquiry the ledger never sent a receipt for.
    forged = make_receipt("mail-" + "feedbeef" * 4)
    dovecot.append(
        make_auto_reply(in_reply_to=receipt["Message-ID"]),
        make_dsn(receipt, action="delayed", returned="message"),
        make_auto_reply(in_reply_to=forged["Message-ID"]),
    )
    wait_until(lambda: dovecot.count(PROCESSED) == 2, timeout_s=30, what="the forged one filed")
    wait_until(lambda: dovecot.count(MACHINE_REPLIES) == 2, timeout_s=30, what="both filed")
    assert connector.mail_ledger.receipt_counts() == {"sent": 1, "suppressed": 1}
    assert len(_inquiries(connector)) == 2
    for kind in ("auto_reply", "delayed"):
        labels = {"mailbox": "borgerservice", "kind": kind}
        assert connector.metric("indgang_mail_machine_replies_total", **labels) == 1
