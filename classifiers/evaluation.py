"""Measure a classifier on labelled inquiries the way a person judging it would look at it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from classifiers.base import Classifier
from classifiers.dataset import LabelledInquiry, Labels
from config.catalogue import Catalogue
from models.classification import Classification
from models.errors import ClassifierError
from models.labels import COMPLEXITIES, DEPARTMENTS, INQUIRY_TYPES, SERVICE_AREAS
from router.answers import AnswerMatcher
from router.policy import decide

Head = Literal["service_area", "department", "type", "complexity", "urgent"]
HEADS: Final[tuple[Head, ...]] = ("service_area", "department", "type", "complexity", "urgent")
URGENT_LABELS: Final = ("urgent", "not_urgent")
KEEP_SHARES: Final = tuple(round(0.1 * step, 1) for step in range(1, 11))
CALIBRATION_BINS: Final = 10
# Deadlines depend on the clock, the resolve-or-queue choice does not; a fixed Friday morning
# makes two runs of the same model on the same data give byte-identical reports.
DEFAULT_NOW: Final = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfusionMatrix(_Frozen):
    """Counts per (true label, predicted label); rows are the truth, columns the prediction."""

    labels: list[str]
    counts: list[list[int]]


class CalibrationBin(_Frozen):
    """Inquiries whose confidence fell in [lower, upper), and how often the head was right."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


class HeadReport(_Frozen):
    """How one head does: accuracy, macro-F1, its confusions and its calibration."""

    accuracy: float
    macro_f1: float
    confusion: ConfusionMatrix
    calibration: list[CalibrationBin]
    # The department has no confidence of its own; it is read off the service area.
    confidence_source: str
    expected_calibration_error: float


class AbstentionPoint(_Frozen):
    """Service-area accuracy on the most confident keep_share of the inquiries."""

    keep_share: float
    n_kept: int
    min_confidence: float
    accuracy: float


class EvaluationReport(_Frozen):
    """Everything measured in one evaluation run; pure data, rendered elsewhere."""

    model_version: str
    policy_version: str
    n: int
    n_urgent: int
    n_english: int
    heads: dict[Head, HeadReport]
    urgent_recall: float | None
    urgent_precision: float | None
    share_resolved: float
    # Resolved by the router although the labels say a person is needed: the costly error.
    share_wrongly_resolved: float
    # Resolved with the right action but the wrong area: the citizen got someone else's answer.
    share_resolved_wrong_area: float
    english_service_area_accuracy: float | None
    abstention: list[AbstentionPoint]


def evaluate_records(
    *,
    classifier: Classifier,
    records: Sequence[LabelledInquiry],
    catalogue: Catalogue,
    answers: AnswerMatcher | None = None,
    now: datetime = DEFAULT_NOW,
) -> EvaluationReport:
    """Classify the records, route each classification and score both against the labels."""
    if not records:
        raise ClassifierError("there are no labelled inquiries to evaluate on")
    inquiries = [record.to_inquiry() for record in records]
    predicted = classifier.classify_batch(inquiries)
    if len(predicted) != len(records):
        raise ClassifierError(
            f"the classifier returned {len(predicted)} labels for {len(records)} inquiries"
        )
    truth = [record.labels for record in records]
    shares = routing_shares(
        records=records, predicted=predicted, catalogue=catalogue, answers=answers, now=now
    )
    n = len(records)
    urgent_true = [t.urgent for t in truth]
    urgent_pred = [p.urgent for p in predicted]
    true_positives = sum(t and p for t, p in zip(urgent_true, urgent_pred, strict=True))
    english = [
        t.service_area == p.service_area
        for record, t, p in zip(records, truth, predicted, strict=True)
        if record.lang == "en"
    ]
    return EvaluationReport(
        model_version=predicted[0].model_version,
        policy_version=catalogue.policy.version,
        n=n,
        n_urgent=sum(urgent_true),
        n_english=len(english),
        heads={head: head_report(head, truth, predicted) for head in HEADS},
        urgent_recall=_ratio(true_positives, sum(urgent_true)),
        urgent_precision=_ratio(true_positives, sum(urgent_pred)),
        share_resolved=shares.resolved,
        share_wrongly_resolved=shares.wrongly_resolved,
        share_resolved_wrong_area=shares.wrong_area,
        english_service_area_accuracy=_ratio(sum(english), len(english)),
        abstention=_abstention_curve(truth, predicted),
    )


@dataclass(frozen=True)
class RoutingShares:
    """What the router did with labelled inquiries, as shares of all of them."""

    resolved: float
    wrongly_resolved: float
    wrong_area: float


def routing_shares(
    *,
    records: Sequence[LabelledInquiry],
    predicted: Sequence[Classification],
    catalogue: Catalogue,
    answers: AnswerMatcher | None,
    now: datetime = DEFAULT_NOW,
) -> RoutingShares:
    """Route each classification and count resolved, resolved wrongly, resolved to a wrong area."""
    # The router, not the action rule, decides what is resolved: its thresholds hold back
    # unsure answers, and that is what a citizen actually meets.
    resolved = [
        decide(
            inquiry=r.to_inquiry(), classification=c, catalogue=catalogue, now=now, answers=answers
        ).action
        == "resolve"
        for r, c in zip(records, predicted, strict=True)
    ]
    n = len(records)
    labels = [r.labels for r in records]
    return RoutingShares(
        resolved=sum(resolved) / n,
        wrongly_resolved=sum(
            bot and t.action == "queue" for bot, t in zip(resolved, labels, strict=True)
        )
        / n,
        wrong_area=sum(
            bot and t.action == "resolve" and t.service_area != p.service_area
            for bot, t, p in zip(resolved, labels, predicted, strict=True)
        )
        / n,
    )


def _ratio(part: int, whole: int) -> float | None:
    # None, not 0.0: "no urgent inquiries in the data" must not read as "none caught".
    return part / whole if whole else None


def _label_space(head: Head) -> tuple[str, ...]:
    spaces: dict[Head, tuple[str, ...]] = {
        "service_area": SERVICE_AREAS,
        "department": DEPARTMENTS,
        "type": INQUIRY_TYPES,
        "complexity": COMPLEXITIES,
        "urgent": URGENT_LABELS,
    }
    return spaces[head]


def _label(head: Head) -> Callable[[Labels | Classification], str]:
    if head == "urgent":
        return lambda item: URGENT_LABELS[0] if item.urgent else URGENT_LABELS[1]
    return lambda item: str(getattr(item, head))


def _confidence(head: Head, c: Classification) -> float:
    return c.confidence.service_area if head == "department" else getattr(c.confidence, head)


def head_report(
    head: Head, truth: Sequence[Labels], predicted: Sequence[Classification]
) -> HeadReport:
    """Score one head's predictions against the labels."""
    label = _label(head)
    y_true = [label(t) for t in truth]
    y_pred = [label(p) for p in predicted]
    labels = list(_label_space(head))
    index = {name: i for i, name in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        counts[index[t]][index[p]] += 1
    correct = [t == p for t, p in zip(y_true, y_pred, strict=True)]
    confidences = [_confidence(head, p) for p in predicted]
    calibration = _calibration(confidences, correct)
    return HeadReport(
        accuracy=sum(correct) / len(correct),
        macro_f1=_macro_f1(counts),
        confusion=ConfusionMatrix(labels=labels, counts=counts),
        calibration=calibration,
        confidence_source="service_area" if head == "department" else head,
        expected_calibration_error=_expected_calibration_error(calibration, len(correct)),
    )


def _macro_f1(counts: Sequence[Sequence[int]]) -> float:
    # Averaged over the labels that occur in the truth or the prediction (as scikit-learn
    # does): a label nobody used says nothing about the model and would only drag F1 down.
    scores = []
    for i in range(len(counts)):
        true_positives = counts[i][i]
        in_truth = sum(counts[i])
        in_prediction = sum(row[i] for row in counts)
        if in_truth == 0 and in_prediction == 0:
            continue
        scores.append(2 * true_positives / (in_truth + in_prediction))
    return sum(scores) / len(scores) if scores else 0.0


def _calibration(confidences: Sequence[float], correct: Sequence[bool]) -> list[CalibrationBin]:
    members: list[list[int]] = [[] for _ in range(CALIBRATION_BINS)]
    for i, confidence in enumerate(confidences):
        # A confidence of exactly 1.0 belongs in the top bin, not in an eleventh.
        members[min(int(confidence * CALIBRATION_BINS), CALIBRATION_BINS - 1)].append(i)
    bins = []
    for b, idx in enumerate(members):
        bins.append(
            CalibrationBin(
                lower=b / CALIBRATION_BINS,
                upper=(b + 1) / CALIBRATION_BINS,
                count=len(idx),
                mean_confidence=sum(confidences[i] for i in idx) / len(idx) if idx else None,
                accuracy=sum(correct[i] for i in idx) / len(idx) if idx else None,
            )
        )
    return bins


def _expected_calibration_error(bins: Sequence[CalibrationBin], n: int) -> float:
    return sum(
        b.count / n * abs(b.accuracy - b.mean_confidence)
        for b in bins
        if b.accuracy is not None and b.mean_confidence is not None
    )


def _abstention_curve(
    truth: Sequence[Labels], predicted: Sequence[Classification]
) -> list[AbstentionPoint]:
    # Stable sort, so ties keep the data order and the curve is reproducible.
    order = sorted(
        range(len(predicted)), key=lambda i: predicted[i].confidence.service_area, reverse=True
    )
    correct = [truth[i].service_area == predicted[i].service_area for i in order]
    points = []
    for share in KEEP_SHARES:
        kept = max(1, math.ceil(share * len(order) - 1e-9))
        points.append(
            AbstentionPoint(
                keep_share=share,
                n_kept=kept,
                min_confidence=predicted[order[kept - 1]].confidence.service_area,
                accuracy=sum(correct[:kept]) / kept,
            )
        )
    return points
