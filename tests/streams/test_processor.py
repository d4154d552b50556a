"""The batch processor with the shipped classifier and a real ledger."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from classifiers.training import load_default_classifier
from config.catalogue import Catalogue
from ledger.store import Ledger
from models.inquiry import Inquiry
from models.wire import encode
from streams.processor import InquiryProcessor, RawMessage


@pytest.fixture
def processor(ledger: Ledger, catalogue: Catalogue) -> InquiryProcessor:
    """A processor wired like the worker's."""
    return InquiryProcessor(
        classifier=load_default_classifier(), catalogue=catalogue, ledger=ledger
    )


@pytest.fixture
def make_message() -> Callable[..., RawMessage]:
    """Factory for consumed messages at increasing offsets."""
    offsets = iter(range(10_000))

    def make(value: bytes | None, key: bytes | None = b"k") -> RawMessage:
        return RawMessage("indgang.inquiries.v1", 0, next(offsets), key, value)

    return make


def test_a_batch_with_duplicates_yields_one_decision_per_inquiry(
    processor: InquiryProcessor,
    ledger: Ledger,
    make_inquiry: Callable[..., Inquiry],
    make_message: Callable[..., RawMessage],
) -> None:
    inquiries = [make_inquiry(text="Der er rotter i min have"), make_inquiry()]
    batch = [make_message(encode("inquiry", i)) for i in inquiries * 2]
    outcome = processor.process(batch)
    assert sorted(d.inquiry_id for d in outcome.decisions) == sorted(i.id for i in inquiries)
    assert ledger.counts()["decisions"] == 2


def test_queue_events_are_published_once_per_queued_decision_with_a_stable_id(
    processor: InquiryProcessor,
    make_inquiry: Callable[..., Inquiry],
    make_message: Callable[..., RawMessage],
) -> None:
    inquiry = make_inquiry(text="Jeg vil klage over sagsbehandlingen af min byggesag, det er uhørt")
    first = processor.process([make_message(encode("inquiry", inquiry))])
    again = processor.process([make_message(encode("inquiry", inquiry))])
    assert first.decisions == again.decisions
    assert [e.event_id for e in first.queue_events] == [e.event_id for e in again.queue_events]


def test_a_bad_message_becomes_a_dead_letter_with_where_it_came_from(
    processor: InquiryProcessor, make_message: Callable[..., RawMessage]
) -> None:
    outcome = processor.process([make_message(b"{oops")])
    [letter] = outcome.dead_letters
    assert "not JSON" in letter.reason
    assert (letter.source_topic, letter.partition, letter.offset) == ("indgang.inquiries.v1", 0, 0)
    assert letter.payload == "{oops"
    assert outcome.decisions == []
