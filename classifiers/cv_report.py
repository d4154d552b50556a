"""Per-head cross-validated accuracy of the shipped settings, to compare data and settings.

`python -m classifiers.cv_report` runs 4-fold cross-validation (stratified by service area)
over the training files for each seed and prints the mean per head: over every record, over
the shared set's own part (written by people outside the team, the best proxy for the
inquiries the model is judged on), over the rest (written for this project) and over the
English records. `--training-only FILES` adds records to every training fold without
measuring on them, so a new round of data is judged on the same records as the run without
it. The held-out split is never read.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from classifiers.catalogue_phrases import catalogue_phrases
from classifiers.dataset import LabelledInquiry, load_labelled
from classifiers.evaluation import head_report
from classifiers.tuning import DEFAULT_FOLDS, TRAINING_DIRS, cross_validated_classifications
from models.classification import Classification

SEEDS: Final = (20261121, 1, 2)
SHARED_FILE_PREFIX: Final = "shared-"


@dataclass(frozen=True)
class HeadScores:
    """One seed's out-of-fold figures over one subset of the records."""

    service_area: float
    department: float
    type_macro_f1: float
    complexity: float
    urgent_recall: float


def head_scores(
    records: Sequence[LabelledInquiry], predicted: Sequence[Classification]
) -> HeadScores:
    """Score predictions against the records' labels, as `indgang evaluate` does."""
    truth = [r.labels for r in records]
    report = {
        head: head_report(head, truth, predicted)
        for head in ("service_area", "department", "type", "complexity")
    }
    urgent = [t.urgent for t in truth]
    caught = sum(t and p.urgent for t, p in zip(urgent, predicted, strict=True))
    return HeadScores(
        service_area=report["service_area"].accuracy,
        department=report["department"].accuracy,
        type_macro_f1=report["type"].macro_f1,
        complexity=report["complexity"].accuracy,
        urgent_recall=caught / sum(urgent) if any(urgent) else float("nan"),
    )


def _subset(
    records: Sequence[LabelledInquiry], predicted: Sequence[Classification], keep: Sequence[bool]
) -> HeadScores:
    chosen = [i for i, k in enumerate(keep) if k]
    return head_scores([records[i] for i in chosen], [predicted[i] for i in chosen])


def main(argv: Sequence[str] | None = None) -> None:
    """Print mean out-of-fold figures per head over the seeds."""
    parser = argparse.ArgumentParser(prog="python -m classifiers.cv_report", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS)
    parser.add_argument("--training-only", type=Path, nargs="*", default=[])
    args = parser.parse_args(argv)
    extra = {p.resolve() for p in args.training_only}
    paths = sorted(p for d in TRAINING_DIRS for p in d.glob("*.jsonl") if p.resolve() not in extra)
    shared_paths = [p for p in paths if p.name.startswith(SHARED_FILE_PREFIX)]
    records = load_labelled(paths)
    training_only = load_labelled(sorted(extra))
    shared_ids = {r.id for r in load_labelled(shared_paths)}
    parts = {
        "all": [True] * len(records),
        "shared": [r.id in shared_ids for r in records],
        # Written for this project: the part to read when a new round's writers studied the
        # shared set's training part, whose out-of-fold figures their paraphrases would flatter.
        "authored": [r.id not in shared_ids for r in records],
        "english": [r.lang == "en" for r in records],
    }
    phrases = catalogue_phrases()
    scores: dict[str, list[HeadScores]] = {part: [] for part in parts}
    for seed in args.seeds:
        oof = cross_validated_classifications(
            records, folds=args.folds, seed=seed, area_phrases=phrases, training_only=training_only
        )
        for part, keep in parts.items():
            scores[part].append(_subset(records, oof.raw, keep))
    print(
        f"{len(records)} records measured ({sum(parts['shared'])} shared, "
        f"{sum(parts['english'])} English), {len(training_only)} training-only; "
        f"{args.folds}-fold CV, mean of seeds {args.seeds}\n"
    )
    print(f"{'part':<8} {'area':>6} {'dept':>6} {'type F1':>8} {'complex':>8} {'urgent R':>9}")
    for part, found in scores.items():
        mean = {
            field: float(np.nanmean([getattr(s, field) for s in found]))
            for field in HeadScores.__dataclass_fields__
        }
        print(
            f"{part:<8} {mean['service_area']:>6.3f} {mean['department']:>6.3f} "
            f"{mean['type_macro_f1']:>8.3f} {mean['complexity']:>8.3f} "
            f"{mean['urgent_recall']:>9.3f}"
        )


if __name__ == "__main__":
    main()
