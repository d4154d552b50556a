"""Auto-replies and bounces are ours only when they name a receipt the ledger sent."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from email.message import EmailMessage

import pytest

from connectors.mail.receipt_replies import MachineReply, SentReceipts, machine_reply_to_receipt
from models.errors import LedgerUnavailable
from tests.connectors.mail.conftest import FROM_ADDRESS

KNOWN = "mail-" + "0123abcd" * 4
UNKNOWN = "mail-" + "feedbeef" * 4


@pytest.fixture
def sent_receipts() -> Callable[..., SentReceipts]:
    """Factory for the ledger's lookup, knowing receipts sent for these inquiry ids."""

    def make(*inquiry_ids: str) -> SentReceipts:
        def lookup(wanted: Collection[str]) -> Mapping[str, str]:
            return {i: f"key-of-{i}" for i in wanted if i in inquiry_ids}

        return lookup

    return make


def test_an_auto_reply_to_our_receipt_is_recognised_with_the_receipt_it_answers(
    make_receipt: Callable[..., EmailMessage],
    make_auto_reply: Callable[..., bytes],
    sent_receipts: Callable[..., SentReceipts],
) -> None:
    raw = make_auto_reply(in_reply_to=make_receipt(KNOWN)["Message-ID"])
    found = machine_reply_to_receipt(
        raw, from_address=FROM_ADDRESS, sent_receipts=sent_receipts(KNOWN)
    )
    assert found == MachineReply(inquiry_id=KNOWN, message_key=f"key-of-{KNOWN}", kind="auto_reply")


@pytest.mark.parametrize("returned", ["headers", "message"])
@pytest.mark.parametrize(
    ("action", "kind"),
    [("failed", "failed"), ("Failed (permanent)", "failed"), ("delayed", "delayed"),
     ("delivered", "bounce")],
)  # fmt: skip
def test_a_dsn_quoting_our_receipt_is_recognised_with_what_it_reports(
    make_receipt: Callable[..., EmailMessage],
    make_dsn: Callable[..., bytes],
    sent_receipts: Callable[..., SentReceipts],
    returned: str,
    action: str,
    kind: str,
) -> None:
    raw = make_dsn(make_receipt(KNOWN), action=action, returned=returned)
    found = machine_reply_to_receipt(
        raw, from_address=FROM_ADDRESS, sent_receipts=sent_receipts(KNOWN)
    )
    assert found is not None
    assert (found.inquiry_id, found.kind) == (KNOWN, kind)


def test_a_well_formed_receipt_message_id_of_an_inquiry_the_ledger_never_sent_is_refused(
    make_receipt: Callable[..., EmailMessage],
    make_auto_reply: Callable[..., bytes],
    make_dsn: Callable[..., bytes],
    sent_receipts: Callable[..., SentReceipts],
) -> None:
    forged = make_receipt(UNKNOWN)
    lookup = sent_receipts(KNOWN)
    for raw in (make_auto_reply(in_reply_to=forged["Message-ID"]), make_dsn(forged)):
        assert (
            machine_reply_to_receipt(raw, from_address=FROM_ADDRESS, sent_receipts=lookup) is None
        )


def test_our_header_beside_a_message_id_not_derived_from_it_is_refused(
    make_receipt: Callable[..., EmailMessage],
    make_dsn: Callable[..., bytes],
    sent_receipts: Callable[..., SentReceipts],
) -> None:
    forged = make_receipt(KNOWN)
    forged.replace_header("Message-ID", "<forfalsket@example.org>")
    raw = make_dsn(forged)
    assert b"X-Indgang-Receipt-For: " + KNOWN.encode() in raw
    lookup = sent_receipts(KNOWN)
    assert machine_reply_to_receipt(raw, from_address=FROM_ADDRESS, sent_receipts=lookup) is None


def test_a_receipt_message_id_from_another_domain_is_refused(
    make_auto_reply: Callable[..., bytes], sent_receipts: Callable[..., SentReceipts]
) -> None:
    raw = make_auto_reply(in_reply_to=f"<kvittering.{KNOWN}@andet.example>")
    found = machine_reply_to_receipt(
        raw, from_address=FROM_ADDRESS, sent_receipts=sent_receipts(KNOWN)
    )
    assert found is None


def test_a_citizen_s_own_reply_to_a_receipt_is_no_machine_reply_and_asks_the_ledger_nothing(
    make_receipt: Callable[..., EmailMessage], make_mail: Callable[..., bytes]
) -> None:
    receipt_id = make_receipt(KNOWN)["Message-ID"]
    raw = make_mail(headers={"In-Reply-To": receipt_id, "References": receipt_id})

    def never(wanted: Collection[str]) -> Mapping[str, str]:
        raise AssertionError("the ledger was asked about a citizen's mail")

    assert machine_reply_to_receipt(raw, from_address=FROM_ADDRESS, sent_receipts=never) is None


def test_a_broken_mail_is_about_no_receipt(sent_receipts: Callable[..., SentReceipts]) -> None:
    for raw in (b"", b"\xff\xfe\x00 not a mail", b"Content-Type: multipart/report\r\n\r\n--"):
        found = machine_reply_to_receipt(
            raw, from_address=FROM_ADDRESS, sent_receipts=sent_receipts(KNOWN)
        )
        assert found is None


def test_a_ledger_that_cannot_answer_is_not_taken_for_a_mail_about_no_receipt(
    make_receipt: Callable[..., EmailMessage], make_dsn: Callable[..., bytes]
) -> None:
    def unavailable(wanted: Collection[str]) -> Mapping[str, str]:
        raise LedgerUnavailable("database unreachable: ConnectionRefusedError")

    raw = make_dsn(make_receipt(KNOWN))
    with pytest.raises(LedgerUnavailable, match="database unreachable"):
        machine_reply_to_receipt(raw, from_address=FROM_ADDRESS, sent_receipts=unavailable)
