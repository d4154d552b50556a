"""Arbitrary bytes and mangled MIME into the mail parser: a mail or a named refusal, no crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.mail.parsing import ParsedMail, parse_mail
from models.errors import MailParseError

HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Subject",
        "Message-ID",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
        "Auto-Submitted",
        "List-Id",
        "Reply-To",
        "Return-Path",
        "X-Unknown",
    ]
)
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            'multipart/mixed; boundary="b1"',
            "multipart/alternative; boundary=b2",
            "text/html; charset=windows-1252",
            "text/plain; charset=x-unknown-charset",
            "text/plain; charset=utf-8",
            "base64",
            "quoted-printable",
            "8bit",
            "=?utf-8?b?w6bDuMOl?=",
            "=?iso-8859-1?q?K=F8benhavn?=",
            "<@>",
            "auto-replied",
        ]
    ),
)
BODIES = st.one_of(
    st.binary(max_size=2_000),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"--b1\r\nContent-Type: text/plain\r\n\r\nhej\r\n--b1--\r\n",
            b"--b1\r\n\r\n--b1",
            b"PGh0bWw+PHA+aGVqPC9wPjwvaHRtbD4=",
            b"=E6=F8=E5 =\r\n",
            b"<html><body><p>Rotter &amp; mus</p><script>x</script></body>",
        ]
    ),
)

pytestmark = pytest.mark.fuzz


def _outcome(raw: bytes) -> ParsedMail | MailParseError:
    try:
        return parse_mail(raw)
    except MailParseError as exc:
        return exc


def _check(raw: bytes) -> None:
    parsed = _outcome(raw)
    if isinstance(parsed, MailParseError):
        assert parsed.reason and parsed.code  # every refusal is named, and counted by its code
        return
    assert len(parsed.message_key) == 64
    assert parsed.subject.strip() or parsed.text.strip()


@given(raw=st.binary(max_size=4_000))
@settings(deadline=None)
def test_arbitrary_bytes_are_a_mail_or_a_named_refusal(raw: bytes) -> None:
    _check(raw)


@given(
    headers=st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=10),
    body=BODIES,
    newline=st.sampled_from([b"\r\n", b"\n"]),
)
@settings(deadline=None)
def test_mangled_mime_is_a_mail_or_a_named_refusal(
    headers: list[tuple[str, str]], body: bytes, newline: bytes
) -> None:
    head = newline.join(
        f"{name}: {value}".encode("utf-8", "surrogatepass") for name, value in headers
    )
    _check(head + newline + newline + body)
