"""The evaluation report, its HTML rendering and `indgang evaluate`, on a handful of records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner
from sklearn.metrics import f1_score

from classifiers.base import Classifier
from classifiers.dataset import LabelledInquiry
from classifiers.evaluation import HEADS, EvaluationReport, evaluate_records
from classifiers.report import format_summary, write_html_report
from classifiers.training import load_default_classifier
from config.catalogue import Catalogue
from indgang.cli import cli
from models.labels import (
    Complexity,
    InquiryType,
    ServiceArea,
    department_of,
    expected_action,
)

SELF, INFO, ADVICE = "hjaelp_til_selvbetjening", "generel_information", "raad_og_vejledning"
REPORT = "indberetning"
# (text, lang, service area, type, complexity, urgent); the action follows DOMAIN.md's rule.
_CASES: list[tuple[str, str, str, str, str, bool]] = [
    ("hvordan bestiller jeg et nyt pas", "da", "mkb.pas_koerekort", SELF, "lav", False),
    ("hvornår hentes storskrald på min vej", "da", "mtm.affald", INFO, "lav", False),
    ("der er rotter i min kælder", "da", "mtm.miljoe", REPORT, "mellem", False),
    ("hjemmehjælpen kom ikke, jeg klager", "da", "mso.hjemmepleje", "klage", "mellem", False),
    ("naboens barn bliver slået", "da", "msb.handicap_social", REPORT, "hoej", True),
    ("how do I get a CPR number", "en", "mkb.international", ADVICE, "lav", False),
    ("I want to cancel my ride tomorrow", "en", "ba.koerselskontoret", "omstilling", "lav", False),
    ("skrive min søn op til vuggestue", "da", "mbu.pladsanvisning", SELF, "lav", False),
    ("hvad er status på min byggesag", "da", "mtm.byggeri", "sagsstatus", "mellem", False),
    ("jeg kan ikke logge ind med MitID", "da", "mkb.digital_hjaelp", SELF, "lav", False),
]  # fmt: skip


def _labels(area: str, inquiry_type: str, complexity: str, urgent: bool) -> dict[str, Any]:
    rule = expected_action(
        urgent=urgent,
        complexity=cast(Complexity, complexity),
        inquiry_type=cast(InquiryType, inquiry_type),
    )
    return {
        "department": department_of(cast(ServiceArea, area)),
        "service_area": area,
        "type": inquiry_type,
        "complexity": complexity,
        "urgent": urgent,
        "action": rule,
    }


@pytest.fixture
def records(make_record: Callable[..., LabelledInquiry]) -> list[LabelledInquiry]:
    """Ten hand-made records across departments, with one urgent and two English ones."""
    return [
        make_record(id=f"ev-{i:03d}", text=text, lang=lang, labels=_labels(area, kind, cx, urgent))
        for i, (text, lang, area, kind, cx, urgent) in enumerate(_CASES)
    ]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """The shipped classifier, loaded once for the module."""
    return load_default_classifier()


@pytest.fixture
def report(
    classifier: Classifier, records: list[LabelledInquiry], catalogue: Catalogue
) -> EvaluationReport:
    """The evaluation of the shipped classifier on the hand-made records."""
    return evaluate_records(classifier=classifier, records=records, catalogue=catalogue)


def test_report_has_every_head_and_confusions_count_every_record(
    report: EvaluationReport, records: list[LabelledInquiry]
) -> None:
    assert set(report.heads) == set(HEADS)
    assert report.n == len(records)
    assert len(report.heads["service_area"].confusion.labels) == 28
    for head in HEADS:
        counts = report.heads[head].confusion.counts
        assert sum(map(sum, counts)) == len(records)
        assert 0.0 <= report.heads[head].macro_f1 <= 1.0


def test_macro_f1_agrees_with_scikit_learn(
    report: EvaluationReport, records: list[LabelledInquiry], classifier: Classifier
) -> None:
    predicted = classifier.classify_batch([r.to_inquiry() for r in records])
    expected = f1_score(
        [r.labels.type for r in records],
        [p.type for p in predicted],
        average="macro",
        zero_division=0,
    )
    assert report.heads["type"].macro_f1 == pytest.approx(expected)


def test_abstention_curve_ends_at_the_overall_accuracy(report: EvaluationReport) -> None:
    curve = report.abstention
    assert [p.keep_share for p in curve] == pytest.approx([i / 10 for i in range(1, 11)])
    assert curve[-1].n_kept == report.n
    assert curve[-1].accuracy == pytest.approx(report.heads["service_area"].accuracy)
    # Kept most-confident first: the confidence floor can only fall as more is kept.
    floors = [p.min_confidence for p in curve]
    assert floors == sorted(floors, reverse=True)


def test_calibration_bins_count_every_record_once(report: EvaluationReport) -> None:
    for head in HEADS:
        bins = report.heads[head].calibration
        assert len(bins) == 10
        assert sum(b.count for b in bins) == report.n
        for b in bins:
            if b.count:
                assert b.mean_confidence is not None
                assert b.lower <= b.mean_confidence <= b.upper


def test_routing_shares_and_english_accuracy_are_consistent(report: EvaluationReport) -> None:
    assert 0.0 <= report.share_wrongly_resolved <= report.share_resolved <= 1.0
    assert report.share_resolved_wrong_area <= report.share_resolved
    assert report.n_urgent == 1
    assert report.urgent_recall in (0.0, 1.0)
    assert report.n_english == 2
    assert report.english_service_area_accuracy in (0.0, 0.5, 1.0)


def test_no_urgent_records_gives_no_recall_rather_than_zero(
    classifier: Classifier, records: list[LabelledInquiry], catalogue: Catalogue
) -> None:
    calm = [r for r in records if not r.labels.urgent]
    report = evaluate_records(classifier=classifier, records=calm, catalogue=catalogue)
    assert report.n_urgent == 0
    assert report.urgent_recall is None


def test_html_report_is_one_file_with_images_and_every_head(
    report: EvaluationReport, tmp_path: Path
) -> None:
    path = tmp_path / "nested" / "evaluation.html"
    write_html_report(report, path)
    page = path.read_text(encoding="utf-8")
    assert page.count("<img") == len(HEADS) * 2 + 1
    assert "data:image/png;base64," in page
    for head in HEADS:
        assert head in page
    # Self-contained: nothing fetched from elsewhere when the file is opened or mailed.
    assert "http://" not in page and "https://" not in page
    summary = format_summary(report)
    assert "urgent recall" in summary and "resolved wrongly" in summary


def test_cli_evaluate_prints_a_summary_and_writes_the_html(
    records: list[LabelledInquiry], tmp_path: Path
) -> None:
    data = tmp_path / "tiny.jsonl"
    data.write_text("\n".join(r.model_dump_json() for r in records) + "\n", encoding="utf-8")
    out = tmp_path / "results" / "evaluation.html"
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(data), "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "service_area" in result.output and "resolved automatically" in result.output
    assert "<img" in out.read_text(encoding="utf-8")
