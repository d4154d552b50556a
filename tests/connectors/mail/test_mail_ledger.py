"""The ledger's mail rows: one per Message-ID, receipts due once decided, addresses forgotten."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.mail import MailLedger
from ledger.store import Ledger
from models.decision import RoutingDecision
from models.inquiry import Inquiry


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def mail_ledger(ledger: Ledger) -> MailLedger:
    """mail_messages on the test ledger's database (SQLite and PostgreSQL)."""
    return MailLedger(ledger.engine)


@pytest.fixture
def take_in(
    ledger: Ledger, mail_ledger: MailLedger, make_inquiry: Callable[..., Inquiry]
) -> Callable[..., Inquiry]:
    """Accept a mail inquiry and record its mail row, as the connector does."""

    def take(key: str, **row: Any) -> Inquiry:
        inquiry = make_inquiry(
            id=f"mail-{key[:32]}", channel="mail", source={"message_id": f"<{key}@example.org>"}
        )
        ledger.accept(inquiry)
        fields: dict[str, Any] = {
            "message_key": key,
            "mailbox": "post",
            "uid": 1,
            "inquiry_id": inquiry.id,
            "reply_to": "borger@example.org",
            "receipt_state": "pending",
        }
        fields.update(row)
        mail_ledger.record(**fields)
        return inquiry

    return take


@pytest.fixture
def decide(
    ledger: Ledger, make_decision: Callable[..., RoutingDecision]
) -> Callable[[Inquiry], RoutingDecision]:
    """Record a queue decision for an inquiry, as the worker would."""

    def record(inquiry: Inquiry) -> RoutingDecision:
        decision = make_decision(inquiry.id)
        ledger.record_decisions(decided=[(inquiry, decision)])
        return decision

    return record


def test_a_message_key_is_recorded_once_however_often_the_mail_is_read(
    mail_ledger: MailLedger,
) -> None:
    row: dict[str, Any] = {
        "message_key": "a" * 64,
        "mailbox": "post",
        "uid": 7,
        "inquiry_id": "mail-" + "a" * 32,
        "reply_to": "borger@example.org",
        "receipt_state": "pending",
    }
    assert mail_ledger.record(**row) is True
    assert mail_ledger.record(**{**row, "uid": 8}) is False
    assert mail_ledger.receipt_counts() == {"pending": 1}


def test_a_receipt_is_due_only_once_its_inquiry_is_decided(
    mail_ledger: MailLedger,
    take_in: Callable[..., Inquiry],
    decide: Callable[[Inquiry], RoutingDecision],
) -> None:
    waiting = take_in("b" * 64)
    decided = take_in("c" * 64)
    decision = decide(decided)
    due = mail_ledger.due_receipts(in_doubt_before=_now())
    assert [(d.inquiry.id, d.reply_to, d.decision) for d in due] == [
        (decided.id, "borger@example.org", decision)
    ]
    assert waiting.id not in {d.inquiry.id for d in due}


def test_a_suppressed_receipt_keeps_no_address_and_is_never_due(
    ledger: Ledger,
    mail_ledger: MailLedger,
    take_in: Callable[..., Inquiry],
    decide: Callable[[Inquiry], RoutingDecision],
) -> None:
    decide(take_in("d" * 64, receipt_state="suppressed"))
    assert mail_ledger.due_receipts(in_doubt_before=_now()) == []
    with ledger.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT reply_to FROM mail_messages").scalar_one()
    assert stored is None


@pytest.mark.parametrize("state", ["sent", "failed", "suppressed"])
def test_settling_a_receipt_forgets_the_address_and_takes_it_off_the_due_list(
    ledger: Ledger,
    mail_ledger: MailLedger,
    take_in: Callable[..., Inquiry],
    decide: Callable[[Inquiry], RoutingDecision],
    state: Any,
) -> None:
    decide(take_in("e" * 64))
    mail_ledger.finish_receipt(message_key="e" * 64, state=state)
    assert mail_ledger.due_receipts(in_doubt_before=_now()) == []
    assert mail_ledger.receipt_counts() == {state: 1}
    with ledger.engine.connect() as connection:
        reply_to, sent_at = connection.exec_driver_sql(
            "SELECT reply_to, receipt_sent_at FROM mail_messages"
        ).one()
    assert reply_to is None
    assert (sent_at is not None) == (state == "sent")


def test_a_claimed_receipt_is_not_due_again_until_it_has_been_in_doubt_long_enough(
    mail_ledger: MailLedger,
    take_in: Callable[..., Inquiry],
    decide: Callable[[Inquiry], RoutingDecision],
) -> None:
    decide(take_in("f" * 64))
    an_hour_ago = _now() - timedelta(hours=1)
    assert mail_ledger.claim_receipt(message_key="f" * 64, in_doubt_before=an_hour_ago) is True
    # A second sender (another replica, or this one restarted) must not send it meanwhile.
    assert mail_ledger.claim_receipt(message_key="f" * 64, in_doubt_before=an_hour_ago) is False
    assert mail_ledger.due_receipts(in_doubt_before=an_hour_ago) == []
    assert mail_ledger.receipt_counts() == {"sending": 1}
    later = _now() + timedelta(seconds=1)
    assert [d.message_key for d in mail_ledger.due_receipts(in_doubt_before=later)] == ["f" * 64]
    assert mail_ledger.claim_receipt(message_key="f" * 64, in_doubt_before=later) is True


def test_a_receipt_in_doubt_is_settled_as_sent_by_its_copy_and_then_never_due(
    ledger: Ledger,
    mail_ledger: MailLedger,
    take_in: Callable[..., Inquiry],
    decide: Callable[[Inquiry], RoutingDecision],
) -> None:
    inquiry = take_in("g" * 64)
    decide(inquiry)
    mail_ledger.claim_receipt(message_key="g" * 64, in_doubt_before=_now())
    assert mail_ledger.confirm_receipt(inquiry_id=inquiry.id) is True
    assert mail_ledger.confirm_receipt(inquiry_id=inquiry.id) is False
    assert mail_ledger.receipt_counts() == {"sent": 1}
    assert mail_ledger.due_receipts(in_doubt_before=_now() + timedelta(days=1)) == []
    with ledger.engine.connect() as connection:
        reply_to = connection.exec_driver_sql("SELECT reply_to FROM mail_messages").scalar_one()
    assert reply_to is None


def test_a_copy_settles_only_a_receipt_being_sent_not_one_still_pending_or_released(
    mail_ledger: MailLedger,
    take_in: Callable[..., Inquiry],
    decide: Callable[[Inquiry], RoutingDecision],
) -> None:
    inquiry = take_in("h" * 64)
    decide(inquiry)
    assert mail_ledger.confirm_receipt(inquiry_id=inquiry.id) is False
    mail_ledger.claim_receipt(message_key="h" * 64, in_doubt_before=_now())
    mail_ledger.release_receipt(message_key="h" * 64)
    assert mail_ledger.confirm_receipt(inquiry_id=inquiry.id) is False
    assert mail_ledger.receipt_counts() == {"pending": 1}


def test_only_receipts_that_went_or_may_have_gone_out_can_be_answered_by_a_machine(
    mail_ledger: MailLedger,
    take_in: Callable[..., Inquiry],
    decide: Callable[[Inquiry], RoutingDecision],
) -> None:
    pending, suppressed = take_in("i" * 64), take_in("j" * 64, receipt_state="suppressed")
    sending, sent, failed = take_in("k" * 64), take_in("l" * 64), take_in("m" * 64)
    for inquiry in (pending, sending, sent, failed):
        decide(inquiry)
    for key in ("k", "l", "m"):
        mail_ledger.claim_receipt(message_key=key * 64, in_doubt_before=_now())
    mail_ledger.finish_receipt(message_key="l" * 64, state="sent")
    mail_ledger.finish_receipt(message_key="m" * 64, state="failed")
    everyone = [i.id for i in (pending, suppressed, sending, sent, failed)] + ["mail-ukendt"]
    assert mail_ledger.sent_receipts(everyone) == {
        sending.id: "k" * 64,
        sent.id: "l" * 64,
        failed.id: "m" * 64,
    }
    assert mail_ledger.sent_receipts([]) == {}
