"""Choose calibration temperatures and routing thresholds by cross-validation on training data.

The held-out split only reports (data/README.md); everything chosen here sees the training
files alone. Run `python -m classifiers.tuning` to print the table: per-head calibration
(ECE) before and after temperature scaling, and the router's resolve share and error rates
over a grid of thresholds, all on out-of-fold predictions.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar
from sklearn.model_selection import StratifiedKFold

from classifiers.baseline import (
    CALIBRATED_HEADS,
    BaselineClassifier,
    calibrated_probabilities,
    feature_matrix_input,
    head_logits,
)
from classifiers.catalogue_phrases import AreaPhrase, catalogue_phrases
from classifiers.dataset import DEFAULT_SEED, LabelledInquiry, load_labelled
from classifiers.evaluation import routing_shares
from config.catalogue import Catalogue, load_catalogue
from config.knowledge import load_knowledge_base
from models.classification import Classification
from router.answers import AnswerMatcher, Match

REPO: Final = Path(__file__).resolve().parents[1]
TRAINING_DIRS: Final = (REPO / "data" / "labelled", REPO / "data" / "authored")
DEFAULT_FOLDS: Final = 4
GRID: Final = (0.3, 0.4, 0.5, 0.6, 0.7)
MAX_WRONGLY_RESOLVED: Final = 0.02
MAX_WRONG_AREA: Final = 0.02
BINS: Final = 10  # as classifiers.evaluation
FloatRow: TypeAlias = npt.NDArray[np.float64]


@dataclass(frozen=True)
class OutOfFold:
    """Every training record classified by a model that did not see it.

    `raw` holds the classifications as the fold's model gives them (the pinned temperatures);
    `logits[head][i]` is record i's logits (margins for an SVM head) over `classes[head][i]`
    (a fold may miss a rare class), and `complexity_given_type[i]` the fold model's
    P(complexity | type) over those classes.
    """

    records: Sequence[LabelledInquiry]
    raw: list[Classification]
    logits: dict[str, list[npt.NDArray[np.float64]]]
    classes: dict[str, list[list[str]]]
    complexity_given_type: list[npt.NDArray[np.float64]]
    fold_of: npt.NDArray[np.int_]

    def probabilities(self, i: int, temperatures: dict[str, float]) -> dict[str, FloatRow]:
        """Record i's probabilities for the heads given a T, as the model computes them."""
        logits = {head: self.logits[head][i][None, :] for head in temperatures}
        return calibrated_probabilities(logits, temperatures, self.complexity_given_type[i])

    def classifications(self, temperatures: dict[str, float]) -> list[Classification]:
        """The out-of-fold classifications with each head's confidence scaled by its T (one T
        per calibrated head), the complexity chosen again under the type prior."""
        out = []
        for i, raw in enumerate(self.raw):
            proba = self.probabilities(i, temperatures)
            confidence = {head: float(p.max()) for head, p in proba.items()}
            complexity = self.classes["complexity"][i][int(proba["complexity"].argmax())]
            out.append(
                raw.model_copy(
                    update={
                        "complexity": complexity,
                        "confidence": raw.confidence.model_copy(update=confidence),
                    }
                )
            )
        return out


def cross_validated_classifications(
    records: Sequence[LabelledInquiry],
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = DEFAULT_SEED,
    area_phrases: Sequence[AreaPhrase] = (),
    training_only: Sequence[LabelledInquiry] = (),
) -> OutOfFold:
    """Fit BaselineClassifier on all but one of `folds` folds (stratified by service area),
    with every area phrase and every training_only record, and classify the fold left out,
    so every record gets an out-of-fold classification."""
    areas = np.array([r.labels.service_area for r in records])
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    raw: list[Classification | None] = [None] * len(records)
    logits: dict[str, list[npt.NDArray[np.float64]]] = {
        h: [np.empty(0)] * len(records) for h in CALIBRATED_HEADS
    }
    classes: dict[str, list[list[str]]] = {h: [[]] * len(records) for h in CALIBRATED_HEADS}
    given_type: list[npt.NDArray[np.float64]] = [np.empty((0, 0))] * len(records)
    fold_of = np.zeros(len(records), dtype=int)
    for k, (train_idx, test_idx) in enumerate(cv.split(np.zeros(len(records)), areas)):
        model = BaselineClassifier().fit(
            [records[i] for i in train_idx] + list(training_only),
            seed=seed,
            area_phrases=area_phrases,
        )
        inquiries = [records[i].to_inquiry() for i in test_idx]
        predicted = model.classify_batch(inquiries)
        assert model._features is not None
        matrix = model._features.transform(feature_matrix_input(inquiries))
        for head in CALIBRATED_HEADS:
            row_logits = head_logits(model._heads[head], matrix)
            names = [str(c) for c in model._heads[head].classes_]
            for row, i in enumerate(test_idx):
                logits[head][i] = row_logits[row]
                classes[head][i] = names
        for row, i in enumerate(test_idx):
            raw[i] = predicted[row]
            given_type[i] = model.complexity_given_type
            fold_of[i] = k
    return OutOfFold(
        records=records,
        raw=[c for c in raw if c is not None],
        logits=logits,
        classes=classes,
        complexity_given_type=given_type,
        fold_of=fold_of,
    )


def fit_temperature(
    oof: OutOfFold, head: str, rows: npt.NDArray[np.int_], *, others: dict[str, float]
) -> float:
    """The T minimising the log-loss of the head's true labels over the given rows; others
    holds the T of the heads its probabilities read (the complexity reads the type's)."""
    pairs = [
        (i, oof.classes[head][i].index(label))
        for i in rows
        if (label := str(getattr(oof.records[i].labels, head))) in oof.classes[head][i]
    ]

    def log_loss(log_t: float) -> float:
        temperatures = {**others, head: float(np.exp(log_t))}
        return -float(
            np.mean(
                [np.log(oof.probabilities(i, temperatures)[head][0, j] + 1e-12) for i, j in pairs]
            )
        )

    # Searched on log T so the bracket is symmetric around T = 1.
    found = minimize_scalar(log_loss, bounds=(-3.0, 3.0), method="bounded")
    return round(float(np.exp(found.x)), 3)


def fit_temperatures(oof: OutOfFold, rows: npt.NDArray[np.int_]) -> dict[str, float]:
    """Each calibrated head's T over the rows, the type's before the complexity's."""
    fitted: dict[str, float] = {}
    for head in CALIBRATED_HEADS:
        others = {"type": fitted["type"]} if head == "complexity" else {}
        fitted[head] = fit_temperature(oof, head, rows, others=others)
    return fitted


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """ECE over ten equal-width bins, as in classifiers.evaluation."""
    conf, hit = np.asarray(confidences), np.asarray(correct, dtype=float)
    bins = np.minimum((conf * BINS).astype(int), BINS - 1)
    return float(
        sum(
            (bins == b).mean() * abs(hit[bins == b].mean() - conf[bins == b].mean())
            for b in range(BINS)
            if (bins == b).any()
        )
    )


def head_ece(oof: OutOfFold, predicted: Sequence[Classification], head: str) -> float:
    """ECE of one head's confidence against the labels."""
    confidences = [getattr(p.confidence, head) for p in predicted]
    correct = [
        getattr(p, head) == getattr(r.labels, head)
        for p, r in zip(predicted, oof.records, strict=True)
    ]
    return expected_calibration_error(confidences, correct)


class _CachedMatcher(AnswerMatcher):
    """The shipped matcher, remembering each (text, area) it was asked: the grid asks the
    same questions for every threshold, and the answer does not depend on the thresholds."""

    def __init__(self, inner: AnswerMatcher) -> None:
        super().__init__(inner.knowledge_base, min_score=inner.min_score)
        self._cache: dict[tuple[str, str], Match] = {}

    def best(self, *, text: str, service_area: str) -> Match:
        key = (text, service_area)
        if key not in self._cache:
            self._cache[key] = super().best(text=text, service_area=service_area)
        return self._cache[key]


@dataclass(frozen=True)
class GridPoint:
    """The router's outcome on the out-of-fold classifications at one threshold setting."""

    service_area: float
    type_and_complexity: float
    resolved: float
    wrongly_resolved: float
    wrong_area: float

    @property
    def admissible(self) -> bool:
        """Within both error budgets."""
        return self.wrongly_resolved <= MAX_WRONGLY_RESOLVED and self.wrong_area <= MAX_WRONG_AREA


def route_grid(
    records: Sequence[LabelledInquiry],
    predicted: Sequence[Classification],
    *,
    catalogue: Catalogue,
    answers: AnswerMatcher,
    grid: Sequence[float] = GRID,
) -> list[GridPoint]:
    """Run router.policy.decide over every record at every (area, type = complexity) pair."""
    matcher = _CachedMatcher(answers)
    points = []
    for sa in grid:
        for tc in grid:
            thresholds = catalogue.policy.thresholds.model_copy(
                update={"resolve_service_area": sa, "resolve_type": tc, "resolve_complexity": tc}
            )
            policy = catalogue.policy.model_copy(update={"thresholds": thresholds})
            cat = catalogue.model_copy(update={"policy": policy})
            shares = routing_shares(
                records=records, predicted=predicted, catalogue=cat, answers=matcher
            )
            points.append(
                GridPoint(
                    service_area=sa,
                    type_and_complexity=tc,
                    resolved=shares.resolved,
                    wrongly_resolved=shares.wrongly_resolved,
                    wrong_area=shares.wrong_area,
                )
            )
    return points


def choose(points: Sequence[GridPoint]) -> GridPoint | None:
    """The admissible point resolving most; ties go to the stricter thresholds."""
    admissible = [p for p in points if p.admissible]
    if not admissible:
        return None
    return max(admissible, key=lambda p: (p.resolved, p.service_area, p.type_and_complexity))


def main(argv: Sequence[str] | None = None) -> None:
    """Print the cross-validation table for the shipped training data."""
    parser = argparse.ArgumentParser(prog="python -m classifiers.tuning", description=__doc__)
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    paths = sorted(p for d in TRAINING_DIRS for p in d.glob("*.jsonl"))
    records = load_labelled(paths)
    oof = cross_validated_classifications(
        records, folds=args.folds, seed=args.seed, area_phrases=catalogue_phrases()
    )
    all_rows = np.arange(len(records))
    # The temperature to ship: fitted on every out-of-fold prediction.
    shipped = fit_temperatures(oof, all_rows)
    # T = 1 is "raw"; an honest "after": each fold's confidences scaled by a T fitted on the
    # other folds. The complexity's T is fitted on its probabilities after the type prior.
    unscaled = oof.classifications({h: 1.0 for h in CALIBRATED_HEADS})
    cross_fitted: list[Classification] = list(oof.raw)
    for k in range(args.folds):
        others, own = all_rows[oof.fold_of != k], all_rows[oof.fold_of == k]
        temps = fit_temperatures(oof, others)
        scaled = oof.classifications(temps)
        for i in own:
            cross_fitted[i] = scaled[i]
    print(f"{len(records)} training records, {args.folds}-fold CV, seed {args.seed}\n")
    print("head           T      ECE raw  ECE scaled (T fitted on the other folds)")
    for h in CALIBRATED_HEADS:
        print(
            f"{h:<14} {shipped[h]:<6} {head_ece(oof, unscaled, h):.3f}    "
            f"{head_ece(oof, cross_fitted, h):.3f}"
        )
    catalogue = load_catalogue()
    answers = AnswerMatcher(load_knowledge_base())
    resolvable = sum(r.labels.action == "resolve" for r in records) / len(records)
    print(f"\nlabels say resolvable: {resolvable:.1%}")
    for name, predicted in (("raw", unscaled), ("scaled", oof.classifications(shipped))):
        points = route_grid(records, predicted, catalogue=catalogue, answers=answers)
        print(f"\nrouter on {name} confidences (budgets: wrongly resolved and wrong area <= 2 %)")
        print("area  type=cx  resolved  wrongly  wrong-area")
        for p in points:
            mark = "" if p.admissible else "  over budget"
            print(
                f"{p.service_area:<5} {p.type_and_complexity:<8} {p.resolved:>7.1%}  "
                f"{p.wrongly_resolved:>6.1%}  {p.wrong_area:>8.1%}{mark}"
            )
        best = choose(points)
        print(f"chosen: {best}")


if __name__ == "__main__":
    main()
