"""Cross-validated figures per head, and records that only ever train."""

from __future__ import annotations

import math
from collections.abc import Callable

from classifiers.cv_report import head_scores
from classifiers.dataset import LabelledInquiry
from models.classification import Classification


def test_a_wrong_area_in_the_right_department_still_counts_for_the_department(
    make_record: Callable[..., LabelledInquiry],
    make_classification: Callable[..., Classification],
) -> None:
    records = [make_record(id="x-1"), make_record(id="x-2")]
    predicted = [
        make_classification(service_area="mkb.generel"),
        make_classification(service_area="mkb.folkeregister"),
    ]
    scores = head_scores(records, predicted)
    assert scores.service_area == 0.5
    assert scores.department == 1.0
    assert scores.complexity == 1.0


def test_urgent_recall_is_undefined_without_an_urgent_record(
    make_record: Callable[..., LabelledInquiry],
    make_classification: Callable[..., Classification],
) -> None:
    scores = head_scores([make_record()], [make_classification(urgent=True)])
    assert math.isnan(scores.urgent_recall)


def test_training_only_records_are_learnt_from_but_never_measured(
    shared_records: list[LabelledInquiry],
) -> None:
    from classifiers.tuning import cross_validated_classifications

    measured, extra = shared_records[:300], shared_records[300:]
    oof = cross_validated_classifications(measured, folds=2, training_only=extra)
    assert len(oof.raw) == len(measured)
    assert set(oof.fold_of.tolist()) == {0, 1}
