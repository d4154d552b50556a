"""One batch of arriving messages in, decisions, queue events and dead letters out."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from classifiers.base import Classifier
from classifiers.redaction import redact_many
from config.catalogue import Catalogue
from ledger.store import Ledger
from models.classification import Classification, HeadConfidence
from models.decision import RoutingDecision
from models.errors import ClassifierError, PayloadError
from models.inquiry import Inquiry
from models.labels import FALLBACK_SERVICE_AREA, department_of
from models.queue_events import ItemEnqueued
from models.wire import DeadLetter, decode, lenient_text
from router.answers import AnswerMatcher
from router.policy import decide_many

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawMessage:
    """A message as the consumer saw it, with where it came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class BatchOutcome:
    """What a batch produced; decisions are those standing in the ledger."""

    decisions: list[RoutingDecision] = field(default_factory=list)
    queue_events: list[ItemEnqueued] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    # The batch's inquiries by id, for the channel and arrival time the metrics need.
    inquiries: dict[str, Inquiry] = field(default_factory=dict)


@dataclass
class Prepared:
    """A batch decoded, classified, decided and redacted, not yet recorded; it pickles."""

    inquiries: dict[str, Inquiry] = field(default_factory=dict)
    decisions: list[RoutingDecision] = field(default_factory=list)
    redacted: dict[str, str] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)


class Decider:
    """Decode, classify, route and redact a batch: the CPU's share, with no ledger or broker."""

    def __init__(
        self,
        *,
        classifier: Classifier,
        catalogue: Catalogue,
        answers: AnswerMatcher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.classifier = classifier
        self.catalogue = catalogue
        self.answers = answers
        self.clock = clock

    def prepare(self, messages: Sequence[RawMessage]) -> Prepared:
        """Everything about a batch that needs no ledger; payloads that are no inquiry park."""
        prepared = Prepared()
        for message in messages:
            try:
                inquiry = decode("inquiry", message.value)
            except PayloadError as exc:
                prepared.dead_letters.append(_dead_letter(message, exc))
                log.warning(
                    "dead-lettered %s[%d]@%d: %s",
                    message.topic,
                    message.partition,
                    message.offset,
                    exc.reason,
                )
                continue
            prepared.inquiries.setdefault(inquiry.id, inquiry)  # a duplicate counts once
        if not prepared.inquiries:
            return prepared
        batch = list(prepared.inquiries.values())
        prepared.decisions = decide_many(
            classified=list(zip(batch, self._classify(batch), strict=True)),
            catalogue=self.catalogue,
            now=self.clock(),
            answers=self.answers,
        )
        # Operators see queued inquiries redacted unless their role allows more; redact here,
        # before the transaction, so decisions and texts are recorded in one commit.
        queued = [d.inquiry_id for d in prepared.decisions if d.action == "queue"]
        texts = redact_many([prepared.inquiries[i].text for i in queued])
        prepared.redacted = dict(zip(queued, texts, strict=True))
        return prepared

    def _classify(self, batch: list[Inquiry]) -> list[Classification]:
        try:
            return self.classifier.classify_batch(batch)
        except ClassifierError as exc:
            log.error("classifier failed on a batch of %d: %s", len(batch), exc)
            return [self._classify_one(i) for i in batch]

    def _classify_one(self, inquiry: Inquiry) -> Classification:
        try:
            return self.classifier.classify(inquiry)
        except ClassifierError as exc:
            # Never lose an inquiry to a classifier fault: a person at the entrance takes it.
            log.error("classifier failed on inquiry %s: %s", inquiry.id, exc)
            return unclassified(model_version=self.classifier.model_version)


class InquiryProcessor:
    """Decide a batch, then record it; effects are idempotent by inquiry id."""

    def __init__(
        self,
        *,
        classifier: Classifier,
        catalogue: Catalogue,
        ledger: Ledger,
        answers: AnswerMatcher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.decider = Decider(
            classifier=classifier, catalogue=catalogue, answers=answers, clock=clock
        )
        self.classifier = classifier
        self.ledger = ledger

    def process(self, messages: Sequence[RawMessage]) -> BatchOutcome:
        """Handle a batch; raises LedgerError only when nothing could be recorded."""
        return self.record(self.decider.prepare(messages))

    def record(self, prepared: Prepared) -> BatchOutcome:
        """Record a prepared batch; the decisions returned are those standing in the ledger."""
        outcome = BatchOutcome(
            dead_letters=list(prepared.dead_letters), inquiries=prepared.inquiries
        )
        if not prepared.inquiries:
            return outcome
        batch = list(prepared.inquiries.values())
        outcome.decisions = self.ledger.record_decisions(
            decided=list(zip(batch, prepared.decisions, strict=True)),
            redacted=prepared.redacted,
            # Recorded with the items they announce, so projecting them back costs no write.
            enqueued=_enqueued(prepared.decisions),
        )
        outcome.queue_events = _enqueued(outcome.decisions)
        return outcome


def _enqueued(decisions: Sequence[RoutingDecision]) -> list[ItemEnqueued]:
    return [
        ItemEnqueued(
            # A fixed id lets consumers drop the copy a redelivery makes.
            event_id=f"{d.inquiry_id}:enqueued",
            inquiry_id=d.inquiry_id,
            queue=d.queue,
            priority=d.priority,
            due_at=d.due_at,
            at=d.decided_at,
        )
        for d in decisions
        if d.action == "queue" and d.due_at is not None
    ]


def unclassified(*, model_version: str) -> Classification:
    """A classification that trusts nothing, so the router queues to the general entrance."""
    return Classification(
        department=department_of(FALLBACK_SERVICE_AREA),
        service_area=FALLBACK_SERVICE_AREA,
        type="omstilling",
        complexity="mellem",
        urgent=False,
        confidence=HeadConfidence(service_area=0.0, type=0.0, complexity=0.0, urgent=0.0),
        model_version=model_version,
    )


def _dead_letter(message: RawMessage, exc: PayloadError) -> DeadLetter:
    return DeadLetter(
        reason=exc.reason,
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=lenient_text(message.key, 256) if message.key else None,
        payload=lenient_text(message.value),
        detail=exc.detail,
    )
