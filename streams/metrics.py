"""Prometheus metrics of the entrance, in a registry per process (never the global one).

Every label takes its values from a small fixed set (channels, departments, actions, heads,
rejection reasons, topic names): never an inquiry id, a text or an address, so the number
of time series stays bounded and no personal data reaches the monitoring system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Histogram, Info

from models.errors import (
    BadSignature,
    IdempotencyConflict,
    LedgerUnavailable,
    PayloadError,
    PayloadTooLarge,
    StaleSignature,
    UnknownClient,
    Unsigned,
)
from models.labels import CHANNELS, DEPARTMENTS, SERVICE_AREAS

if TYPE_CHECKING:
    from streams.processor import BatchOutcome

RejectReason = Literal[
    "too_large",
    "not_utf8",
    "not_json",
    "invalid",
    "unavailable",
    # The bot webhook: authentication and Idempotency-Key refusals.
    "unsigned",
    "unknown_client",
    "bad_signature",
    "stale",
    "idempotency_conflict",
]
REJECT_REASONS: tuple[RejectReason, ...] = get_args(RejectReason)
HEADS = ("service_area", "type", "complexity", "urgent")
# The kinds of models.queue_events an operator causes (enqueued is the worker's).
OPERATOR_ACTIONS = ("claimed", "released", "transferred", "resolved", "relabelled")
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
# From a fast path (under a second) to a redelivery after minutes.
DECISION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


@dataclass(frozen=True)
class Metrics:
    """The metric objects of one process and the registry that holds them."""

    registry: CollectorRegistry
    inquiries_accepted: Counter
    inquiries_rejected: Counter
    decisions: Counter
    decision_seconds: Histogram
    classifier_confidence: Histogram
    model: Info
    dead_letters: Counter
    redelivered: Counter
    # Bot callbacks, labelled by client id: ids come from settings, so they are bounded.
    callbacks: Counter
    callback_failures: Counter
    # Dashboard actions by kind, and transfers by the queue left (one of 28 service areas).
    operator_actions: Counter
    transfers: Counter
    # Mail connector: mailbox names come from settings, reasons and outcomes from fixed sets.
    mail_received: Counter
    mail_parked: Counter
    mail_receipts: Counter
    mail_machine_replies: Counter

    def reject(self, reason: RejectReason) -> None:
        """Count a refused POST under one of the fixed reasons."""
        self.inquiries_rejected.labels(reason=reason).inc()

    def set_model(self, *, model_version: str, policy_version: str) -> None:
        """Name the model and routing policy this process decides with."""
        self.model.info({"model_version": model_version, "policy_version": policy_version})

    # A labelled counter has no series until its first event, and Prometheus' increase()
    # cannot see an event that makes the series: the first dead letter would never alert.
    # So the HTTP side and the worker create their known series at 0 when they start.
    def start_intake_at_zero(self, *, clients: Sequence[str]) -> None:
        """Create the HTTP side's series: channels, reasons, operator actions, transfers."""
        for channel in CHANNELS:
            self.inquiries_accepted.labels(channel=channel)
        for reason in REJECT_REASONS:
            self.inquiries_rejected.labels(reason=reason)
        for action in OPERATOR_ACTIONS:
            self.operator_actions.labels(action=action)
        for area in SERVICE_AREAS:
            self.transfers.labels(from_service_area=area)
        for client in clients:
            self.callback_failures.labels(client=client)

    def start_routing_at_zero(self, *, source_topic: str) -> None:
        """Create the worker's series: decisions by channel, department and action; dead letters."""
        for channel in CHANNELS:
            for department in DEPARTMENTS:
                for action in ("resolve", "queue"):
                    self.decisions.labels(channel=channel, department=department, action=action)
        for head in HEADS:
            self.classifier_confidence.labels(head=head)
        self.dead_letters.labels(topic=source_topic)

    def record_outcome(self, outcome: BatchOutcome) -> None:
        """Count a published batch: its standing decisions, their timing and its dead letters."""
        # The decisions are the ones standing in the ledger, so a redelivered duplicate of an
        # inquiry decided earlier is counted again here. Accepted for now: redelivery is rare
        # and the counters are for rates and shares, not for reconciliation (the ledger is).
        for decision in outcome.decisions:
            inquiry = outcome.inquiries.get(decision.inquiry_id)
            classification = decision.classification
            self.decisions.labels(
                channel=inquiry.channel if inquiry is not None else "unknown",
                department=classification.department,
                action=decision.action,
            ).inc()
            if inquiry is not None:
                elapsed = (decision.decided_at - inquiry.received_at).total_seconds()
                self.decision_seconds.observe(max(elapsed, 0.0))
            confidence = classification.confidence
            for head in HEADS:
                self.classifier_confidence.labels(head=head).observe(getattr(confidence, head))
        for dead_letter in outcome.dead_letters:
            self.dead_letters.labels(topic=dead_letter.source_topic).inc()


_SIGNATURE_REASONS: tuple[tuple[type[Exception], RejectReason], ...] = (
    (Unsigned, "unsigned"),
    (UnknownClient, "unknown_client"),
    (BadSignature, "bad_signature"),
    (StaleSignature, "stale"),
    (IdempotencyConflict, "idempotency_conflict"),
)


def reject_reason(exc: Exception) -> RejectReason:
    """The fixed reason for an exception that refused a POST."""
    if isinstance(exc, LedgerUnavailable):
        return "unavailable"
    for kind, name in _SIGNATURE_REASONS:
        if isinstance(exc, kind):
            return name
    if isinstance(exc, PayloadTooLarge):
        return "too_large"
    if isinstance(exc, PayloadError) and exc.detail is None:
        # Wording from models.wire.json_object and connectors.body.parse_json_object.
        if "not UTF-8" in exc.reason:
            return "not_utf8"
        if "not JSON" in exc.reason or "empty" in exc.reason:
            return "not_json"
    return "invalid"


def create_metrics(registry: CollectorRegistry | None = None) -> Metrics:
    """All Indgang metrics, registered in `registry` or in a new one (never the global)."""
    registry = registry if registry is not None else CollectorRegistry()
    return Metrics(
        registry=registry,
        inquiries_accepted=Counter(
            "indgang_inquiries_accepted",
            "Inquiries made durable by the HTTP side (new ones; repeated posts not counted).",
            ["channel"],
            registry=registry,
        ),
        inquiries_rejected=Counter(
            "indgang_inquiries_rejected",
            "POSTs of inquiries refused, by reason.",
            ["reason"],
            registry=registry,
        ),
        decisions=Counter(
            "indgang_decisions",
            "Routing decisions published by the worker.",
            ["channel", "department", "action"],
            registry=registry,
        ),
        decision_seconds=Histogram(
            "indgang_decision_seconds",
            "Seconds from an inquiry's arrival to its routing decision.",
            buckets=DECISION_BUCKETS,
            registry=registry,
        ),
        classifier_confidence=Histogram(
            "indgang_classifier_confidence",
            "The classifier's probability for the label it chose, per head.",
            ["head"],
            buckets=CONFIDENCE_BUCKETS,
            registry=registry,
        ),
        model=Info(
            "indgang_model",
            "The classifier model and routing policy in use.",
            registry=registry,
        ),
        dead_letters=Counter(
            "indgang_dead_letters",
            "Messages the worker could not decode, by source topic.",
            ["topic"],
            registry=registry,
        ),
        redelivered=Counter(
            "indgang_redelivered",
            "Undecided inquiries published again by the redeliverer.",
            registry=registry,
        ),
        callbacks=Counter(
            "indgang_callbacks",
            "Decision callbacks to bot clients, by client and outcome (delivered, retry, failed).",
            ["client", "outcome"],
            registry=registry,
        ),
        callback_failures=Counter(
            "indgang_callback_failures",
            "Callbacks parked on the callback dead-letter topic after their last try.",
            ["client"],
            registry=registry,
        ),
        operator_actions=Counter(
            "indgang_operator_actions",
            "Operators' actions on queue items (claimed, released, transferred, ...).",
            ["action"],
            registry=registry,
        ),
        transfers=Counter(
            "indgang_transfers",
            "Queue items operators moved to another queue, by the queue they left.",
            ["from_service_area"],
            registry=registry,
        ),
        mail_received=Counter(
            "indgang_mail_received",
            "Mails taken in from a shared mailbox as new inquiries.",
            ["mailbox"],
            registry=registry,
        ),
        mail_parked=Counter(
            "indgang_mail_parked",
            "Mails that could not be read, parked in the Indgang/Fejl folder, by reason.",
            ["mailbox", "reason"],
            registry=registry,
        ),
        mail_receipts=Counter(
            "indgang_mail_receipts",
            "Receipts to mail senders by outcome (sent, suppressed, failed, deferred).",
            ["outcome"],
            registry=registry,
        ),
        mail_machine_replies=Counter(
            "indgang_mail_machine_replies",
            "Auto-replies to and bounces of our receipts, filed and never taken in, by kind"
            " (auto_reply, failed, delayed, bounce).",
            ["mailbox", "kind"],
            registry=registry,
        ),
    )
