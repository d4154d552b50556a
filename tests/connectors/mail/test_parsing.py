"""MIME parsing on real-world-shaped mails: text, character sets, attachments, machines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from classifiers.text import strip_mail
from connectors.mail.inquiries import inquiry_from_mail
from connectors.mail.parsing import html_to_text, parse_mail
from models.errors import MailParseError, PayloadError
from models.inquiry import MAX_TEXT_CHARS


def test_multipart_alternative_prefers_the_plain_part_and_decodes_quoted_printable(
    sample: Callable[[str], bytes],
) -> None:
    parsed = parse_mail(sample("multipart-alternative.eml"))
    assert parsed.subject == "Flytning og nyt sundhedskort"
    assert "Jeg flytter til Åbyhøj den 1. december. Hvornår får jeg mit nye sundhedskort?" in (
        parsed.text
    )
    assert "<" not in parsed.text
    assert parsed.message_id == "<CAF3x9+Qm2kLp@mail.example.org>"
    assert parsed.sender == parsed.reply_to == "mette.hansen@example.org"
    assert parsed.attachments == ()
    assert parsed.no_reply is None


def test_html_only_mail_becomes_text_with_entities_decoded_and_no_script_or_style(
    sample: Callable[[str], bytes],
) -> None:
    parsed = parse_mail(sample("html-only-entities.eml"))
    assert parsed.subject == "Rotter i gården"
    assert "Hej Teknik & Miljø," in parsed.text
    assert "rotter i gården bag opgang 3 – kan I sende nogen ud?" in parsed.text
    assert "alert" not in parsed.text and "color" not in parsed.text
    assert "Besked" not in parsed.text  # the <title> is not the citizen's text


def test_html_blocks_and_line_breaks_become_lines_and_inline_tags_do_not() -> None:
    text = html_to_text("<p>Hej <b>med</b> dig</p><div>Linje 1<br>Linje 2</div><ul><li>a</li></ul>")
    assert text.splitlines() == ["Hej med dig", "Linje 1", "Linje 2", "a"]


@pytest.mark.parametrize(
    ("name", "subject", "phrase"),
    [
        ("iso-8859-1.eml", "Hjælp til skønnetur", "min ældre mor på Østergade"),
        ("windows-1252-qp.eml", "Dobbelt betaling", "750 € for “storskrald” to gange –"),
        ("base64.eml", "Papirbeholder", "Hvornår bliver der hentet pap og papir på Skovvejen?"),
    ],
    ids=["latin-1-8bit", "windows-1252-quoted-printable", "utf-8-base64"],
)
def test_danish_letters_survive_each_charset_and_transfer_encoding(
    sample: Callable[[str], bytes], name: str, subject: str, phrase: str
) -> None:
    parsed = parse_mail(sample(name))
    assert parsed.subject == subject
    assert phrase in parsed.text
    assert "\ufffd" not in parsed.text + parsed.subject


def test_an_unknown_charset_label_and_raw_8bit_subject_are_decoded_best_effort(
    sample: Callable[[str], bytes],
) -> None:
    parsed = parse_mail(sample("broken-charset.eml"))
    assert parsed.subject == "Spørgsmål om bøde"
    assert parsed.text == "Jeg har fået en bøde for at parkere på Åboulevarden."


def test_attachments_are_listed_as_metadata_and_their_content_is_not_text(
    sample: Callable[[str], bytes],
) -> None:
    parsed = parse_mail(sample("attachments.eml"))
    assert parsed.text == "Vedhæftet er tegninger til min carport. Skal jeg søge byggetilladelse?"
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("tegning.pdf", "application/pdf", 900),
        ("facade øst.jpg", "image/jpeg", 2048),
    ]


def test_a_quoted_reply_chain_is_kept_for_the_classifier_to_strip(
    sample: Callable[[str], bytes],
) -> None:
    parsed = parse_mail(sample("reply-chain.eml"))
    assert "Der er ikke ledige pladser i januar." in parsed.text
    assert strip_mail(parsed.text) == "Tak for svaret. Kan vi så få plads fra 1. marts i stedet?"


def test_the_message_key_is_the_same_for_the_same_message_id_whatever_the_case_or_copy(
    sample: Callable[[str], bytes],
) -> None:
    raw = sample("multipart-alternative.eml")
    copy = raw.replace(b"<CAF3x9+Qm2kLp@mail.example.org>", b"<caf3x9+qm2klp@MAIL.example.org>")
    copy = b"Received: from relay.example.org; Fri, 20 Nov 2026 09:00:00 +0100\r\n" + copy
    assert parse_mail(copy).message_key == parse_mail(raw).message_key


def test_a_mail_without_message_id_is_keyed_by_headers_and_body_ignoring_trace_headers(
    sample: Callable[[str], bytes],
) -> None:
    raw = sample("no-message-id.eml")
    parsed = parse_mail(raw)
    assert parsed.message_id is None
    relayed = b"Received: by mx.example.org; Fri, 20 Nov 2026 14:00:01 +0100\r\n" + raw
    assert parse_mail(relayed).message_key == parsed.message_key
    edited = raw.replace(b"soendagen", b"loerdagen")
    assert parse_mail(edited).message_key != parsed.message_key


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto-reply.eml", "auto_reply"),
        ("x-autoreply.eml", "auto_reply"),
        ("bounce-dsn.eml", "bounce"),
        ("mailing-list.eml", "list"),
        ("precedence-bulk.eml", "bulk"),
        ("multipart-alternative.eml", None),
    ],
)
def test_machine_mail_is_recognised_so_it_is_never_answered(
    sample: Callable[[str], bytes], name: str, reason: str | None
) -> None:
    assert parse_mail(sample(name)).no_reply == reason


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (b"Auto-Submitted: auto-generated", "auto_reply"),
        (b"Auto-Submitted: no", None),
        (b"X-Autorespond: vacation", "auto_reply"),
        (b"X-Auto-Response-Suppress: All", "auto_reply"),
        (b"X-Auto-Response-Suppress: OOF", None),
        (b"Precedence: junk", "bulk"),
        (b"Return-Path: <>", "bounce"),
        (b"Reply-To: <>", None),
    ],
)
def test_each_machine_marker_alone_decides_whether_a_receipt_may_go(
    make_mail: Callable[..., bytes], header: bytes, reason: str | None
) -> None:
    raw = header + b"\r\n" + make_mail()
    assert parse_mail(raw).no_reply == reason


def test_a_mail_from_the_mailer_daemon_is_a_bounce_even_without_a_report(
    make_mail: Callable[..., bytes],
) -> None:
    raw = make_mail(sender="Mail Delivery Subsystem <mailer-daemon@mx.example.net>")
    assert parse_mail(raw).no_reply == "bounce"


def test_reply_to_wins_over_from_as_the_receipts_address(make_mail: Callable[..., bytes]) -> None:
    raw = b"Reply-To: Sagsbehandler <svar@example.net>\r\n" + make_mail()
    parsed = parse_mail(raw)
    assert parsed.reply_to == "svar@example.net"
    assert parsed.sender == "borger@example.org"


def test_a_mail_without_a_usable_sender_is_taken_in_but_never_answered(
    make_mail: Callable[..., bytes],
) -> None:
    parsed = parse_mail(make_mail(sender="undisclosed-recipients:;"))
    assert parsed.sender is None
    assert parsed.no_reply == "no_address"


@pytest.mark.parametrize(
    ("raw", "code", "reason"),
    [
        (b"", "empty", "empty"),
        (b"  \r\n", "empty", "empty"),
        (None, "not_mail", "no header section"),
        (None, "no_content", "neither a subject nor any text"),
    ],
    ids=["empty", "blank", "binary-junk", "blank-mail"],
)
def test_unparseable_mail_raises_a_payload_error_with_a_reason_and_a_code(
    sample: Callable[[str], bytes], raw: bytes | None, code: str, reason: str
) -> None:
    if raw is None:
        raw = sample("not-a-mail.eml" if code == "not_mail" else "no-content.eml")
    with pytest.raises(MailParseError, match=reason) as caught:
        parse_mail(raw)
    assert caught.value.code == code
    assert isinstance(caught.value, PayloadError)


def test_the_inquiry_id_is_derived_from_the_message_key_so_a_reread_mail_finds_it(
    sample: Callable[[str], bytes],
) -> None:
    parsed = parse_mail(sample("attachments.eml"))
    received = datetime(2026, 11, 20, 6, 45, tzinfo=UTC)
    first = inquiry_from_mail(parsed, mailbox="post", received_at=received)
    again = inquiry_from_mail(
        parse_mail(sample("attachments.eml")), mailbox="post", received_at=received
    )
    assert first.id == again.id == f"mail-{parsed.message_key[:32]}"
    assert first.channel == "mail"
    assert first.source["message_id"] == "<attach.55@example.org>"
    assert first.source["attachments"][0] == {
        "filename": "tegning.pdf",
        "content_type": "application/pdf",
        "size": 900,
    }


def test_an_overlong_text_is_cut_to_the_inquiry_limit_and_flagged(
    make_mail: Callable[..., bytes],
) -> None:
    parsed = parse_mail(make_mail(text="rotter " * (MAX_TEXT_CHARS // 5)))
    inquiry = inquiry_from_mail(parsed, mailbox="post", received_at=datetime.now(UTC))
    assert len(inquiry.text) == MAX_TEXT_CHARS
    assert inquiry.source["truncated"] is True
