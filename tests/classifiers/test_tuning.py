"""The pure parts of the cross-validation tuning: ECE and choosing a threshold point."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from classifiers.dataset import LabelledInquiry
from classifiers.tuning import GridPoint, choose, expected_calibration_error
from models.classification import Classification


def test_perfectly_calibrated_confidences_have_zero_ece() -> None:
    confidences = [0.75] * 4 + [0.25] * 4
    correct = [True, True, True, False, True, False, False, False]
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.0)


def test_underconfident_predictions_have_the_gap_as_ece() -> None:
    assert expected_calibration_error([0.2] * 10, [True] * 10) == pytest.approx(0.8)


def test_choose_takes_the_largest_resolve_share_within_both_budgets() -> None:
    points = [
        GridPoint(0.3, 0.3, resolved=0.40, wrongly_resolved=0.05, wrong_area=0.01),
        GridPoint(0.5, 0.3, resolved=0.30, wrongly_resolved=0.01, wrong_area=0.03),
        GridPoint(0.5, 0.5, resolved=0.25, wrongly_resolved=0.02, wrong_area=0.02),
        GridPoint(0.7, 0.5, resolved=0.25, wrongly_resolved=0.01, wrong_area=0.00),
        GridPoint(0.7, 0.7, resolved=0.10, wrongly_resolved=0.00, wrong_area=0.00),
    ]
    assert choose(points) == points[3]
    assert choose(points[:2]) is None


def test_route_grid_resolves_no_more_when_thresholds_rise() -> None:
    from pathlib import Path

    from classifiers.dataset import load_labelled
    from classifiers.training import load_default_classifier
    from classifiers.tuning import route_grid
    from config.catalogue import load_catalogue
    from config.knowledge import load_knowledge_base
    from router.answers import AnswerMatcher

    repo = Path(__file__).resolve().parents[2]
    records = load_labelled([repo / "data" / "labelled" / "shared-2026-11-train.jsonl"])[:120]
    predicted = load_default_classifier().classify_batch([r.to_inquiry() for r in records])
    points = route_grid(
        records,
        predicted,
        catalogue=load_catalogue(),
        answers=AnswerMatcher(load_knowledge_base()),
        grid=(0.3, 0.9),
    )
    by_setting = {(p.service_area, p.type_and_complexity): p for p in points}
    assert len(by_setting) == 4
    assert by_setting[(0.3, 0.3)].resolved >= by_setting[(0.9, 0.9)].resolved
    assert all(0.0 <= p.wrongly_resolved <= p.resolved <= 1.0 for p in points)


def test_out_of_fold_complexity_is_chosen_again_under_the_type_prior(
    make_record: Callable[..., LabelledInquiry],
    make_classification: Callable[..., Classification],
) -> None:
    import numpy as np

    from classifiers.tuning import OutOfFold, fit_temperatures

    # The complexity head cannot decide between lav and mellem; the type head is sure of
    # general information, which the training labels call lav.
    oof = OutOfFold(
        records=[make_record()],
        raw=[make_classification(complexity="mellem")],
        logits={
            "service_area": [np.array([2.0, -1.0])],
            "type": [np.array([1.0, -1.0])],
            "complexity": [np.array([-1.0, 0.5, 0.5])],
        },
        classes={
            "service_area": [["mkb.generel", "mkb.folkeregister"]],
            "type": [["generel_information", "sagsstatus"]],
            "complexity": [["hoej", "lav", "mellem"]],
        },
        complexity_given_type=[np.array([[0.05, 0.9, 0.05], [0.05, 0.05, 0.9]])],
        fold_of=np.zeros(1, dtype=int),
    )
    temperatures = {"service_area": 0.2, "type": 0.2, "complexity": 0.4}
    [chosen] = oof.classifications(temperatures)
    assert chosen.complexity == "lav"
    assert chosen.confidence.complexity == pytest.approx(
        oof.probabilities(0, temperatures)["complexity"].max()
    )
    assert set(fit_temperatures(oof, np.arange(1))) == {"service_area", "type", "complexity"}
