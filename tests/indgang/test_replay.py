"""Shadow replay: a candidate model and policy beside the live ones, over recorded inquiries."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from classifiers.baseline import BaselineClassifier
from classifiers.dataset import LabelledInquiry, load_labelled
from classifiers.training import DEFAULT_ARTIFACT, load_default_classifier
from config.catalogue import DEFAULT_CATALOGUE_DIR, Catalogue, load_catalogue
from config.settings import Settings
from indgang.replay import ReplayReport, format_report, replay, run_replay
from indgang.runtime import build_ledger
from ledger.store import Ledger
from models.inquiry import Inquiry

TRAIN_FILE = Path(__file__).resolve().parents[2] / "data/labelled/shared-2026-11-train.jsonl"


@pytest.fixture(scope="module")
def records() -> list[LabelledInquiry]:
    """The shared training file, read once."""
    return load_labelled([TRAIN_FILE])


@pytest.fixture(scope="module")
def recorded(records: list[LabelledInquiry]) -> list[Inquiry]:
    """The training inquiries as they arrived at the entrance, standing in for the ledger."""
    return [record.to_inquiry() for record in records]


@pytest.fixture(scope="module")
def shipped() -> BaselineClassifier:
    """The live model: the artifact shipped in the package."""
    return load_default_classifier()


@pytest.fixture(scope="module")
def small_candidate(records: list[LabelledInquiry]) -> BaselineClassifier:
    """A candidate fitted on a third of the data plus every urgent record, so all heads learn."""
    subset = [r for i, r in enumerate(records) if i % 3 == 0 or r.labels.urgent]
    return BaselineClassifier().fit(subset)


@pytest.fixture
def make_catalogue_dir(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a copy of the shipped catalogue with some policy thresholds overridden."""

    def make(**thresholds: float) -> Path:
        directory = tmp_path / "catalogue"
        shutil.copytree(DEFAULT_CATALOGUE_DIR, directory, dirs_exist_ok=True)
        policy_path = directory / "routing_policy.yaml"
        policy = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
        policy["thresholds"].update(thresholds)
        policy["version"] += "-candidate"
        policy_path.write_text(yaml.safe_dump(policy), encoding="utf-8")
        return directory

    return make


@pytest.fixture
def make_jsonl(tmp_path: Path) -> Callable[[Sequence[bytes]], Path]:
    """Factory: a JSON-lines file holding exactly the given lines."""

    def make(lines: Sequence[bytes]) -> Path:
        path = tmp_path / "inquiries.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        return path

    return make


@pytest.fixture
def make_settings(sqlite_url: str) -> Callable[..., Settings]:
    """Factory: settings on a fresh SQLite ledger and the shipped model and catalogue."""

    def make(**overrides: Any) -> Settings:
        return Settings(**{"database_url": sqlite_url, **overrides})

    return make


def _replay_against_itself(
    model: BaselineClassifier,
    inquiries: Sequence[Inquiry],
    catalogue: Catalogue,
    now: datetime,
    **changes: Any,
) -> ReplayReport:
    setup = {
        "live": model,
        "candidate": model,
        "live_catalogue": catalogue,
        "candidate_catalogue": catalogue,
        **changes,
    }
    return replay(inquiries=inquiries, now=now, **setup)


def test_a_model_compared_with_itself_changes_no_decision(
    shipped: BaselineClassifier, recorded: list[Inquiry], catalogue: Catalogue, now: datetime
) -> None:
    report = _replay_against_itself(shipped, recorded, catalogue, now)

    assert report.n == len(recorded) > 256  # more than one batch
    assert (report.changed, report.moves) == (0, [])
    assert (report.resolve_to_queue, report.queue_to_resolve) == (0, 0)
    assert (report.newly_urgent, report.no_longer_urgent) == (0, 0)
    assert report.live_resolved == report.candidate_resolved > 0
    assert report.live_model_version == report.candidate_model_version == shipped.model_version
    assert "No decision would change." in format_report(report)


def test_a_candidate_trained_on_less_data_reports_moves_that_add_up_to_the_changes(
    shipped: BaselineClassifier,
    small_candidate: BaselineClassifier,
    recorded: list[Inquiry],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    report = _replay_against_itself(shipped, recorded, catalogue, now, candidate=small_candidate)

    assert report.changed > 0
    assert sum(move.count for move in report.moves) == report.changed
    counts = [move.count for move in report.moves]
    assert counts == sorted(counts, reverse=True)
    assert all(
        (m.live_action, m.live_queue) != (m.candidate_action, m.candidate_queue)
        for m in report.moves
    )
    action_changes = sum(m.count for m in report.moves if m.live_action != m.candidate_action)
    assert report.resolve_to_queue + report.queue_to_resolve == action_changes
    assert (
        report.candidate_resolved
        == report.live_resolved - report.resolve_to_queue + report.queue_to_resolve
    )
    assert report.live_model_version == shipped.model_version
    assert report.candidate_model_version == small_candidate.model_version
    assert report.live_model_version != report.candidate_model_version


def test_the_report_table_shows_versions_and_every_move(
    shipped: BaselineClassifier,
    small_candidate: BaselineClassifier,
    recorded: list[Inquiry],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    report = _replay_against_itself(shipped, recorded, catalogue, now, candidate=small_candidate)

    text = format_report(report)

    assert report.live_model_version in text and report.candidate_model_version in text
    move_lines = [line for line in text.splitlines() if " -> " in line and "(" in line]
    assert len(move_lines) == len(report.moves)
    top = report.moves[0]
    assert move_lines[0].split() == [
        top.live_queue,
        f"({top.live_action})",
        "->",
        top.candidate_queue,
        f"({top.candidate_action})",
        str(top.count),
    ]


def test_thresholds_raised_to_099_turn_resolves_into_queues_and_never_the_reverse(
    shipped: BaselineClassifier,
    recorded: list[Inquiry],
    catalogue: Catalogue,
    make_catalogue_dir: Callable[..., Path],
    now: datetime,
) -> None:
    strict = load_catalogue(
        make_catalogue_dir(resolve_service_area=0.99, resolve_type=0.99, resolve_complexity=0.99)
    )

    report = _replay_against_itself(shipped, recorded, catalogue, now, candidate_catalogue=strict)

    assert report.live_resolved > 0
    assert report.queue_to_resolve == 0
    assert report.resolve_to_queue == report.changed
    # These are training inquiries, and the calibrated model (format 4) is sure of many of
    # them: how many clear 0.99 on every head depends on the model, that some resolves turn
    # into queues does not.
    assert report.candidate_resolved == report.live_resolved - report.resolve_to_queue
    assert report.resolve_to_queue > 0
    assert report.candidate_policy_version == f"{catalogue.policy.version}-candidate"
    # Only the policy changed, so each resolve stays in its own area's queue.
    assert all(m.live_queue == m.candidate_queue for m in report.moves)


def test_recorded_inquiries_come_back_oldest_first_and_a_limit_keeps_the_newest(
    ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiries = [make_inquiry(id=f"rec-{n}", text=f"henvendelse nummer {n}") for n in range(4)]
    for inquiry in inquiries:
        ledger.accept(inquiry)

    assert ledger.recorded_inquiries() == inquiries
    assert ledger.recorded_inquiries(limit=2) == inquiries[2:]
    assert ledger.recorded_inquiries(limit=0) == []


def test_recorded_inquiries_since_a_time_leave_out_earlier_ones(
    ledger: Ledger, make_inquiry: Callable[..., Inquiry]
) -> None:
    earlier, later = make_inquiry(), make_inquiry()
    ledger.accept(earlier)
    cut = datetime.now(UTC)
    ledger.accept(later)

    assert ledger.recorded_inquiries(since=cut) == [later]
    assert ledger.recorded_inquiries() == [earlier, later]


def test_replay_from_a_file_skips_bad_lines_and_counts_them(
    make_settings: Callable[..., Settings], make_jsonl: Callable[[Sequence[bytes]], Path]
) -> None:
    source = make_jsonl(
        [
            json.dumps({"id": "ok-1", "channel": "chat", "text": "jeg skal have nyt pas"}).encode(),
            b'{"id": "broken", "channel": ',
            b"",
            json.dumps({"id": "empty", "channel": "mail", "text": ""}).encode(),
            b'{"id": "latin1", "channel": "chat", "text": "h\xe6j"}',
            json.dumps({"id": "ok-2", "channel": "phone", "text": "rotter i kælderen"}).encode(),
        ]
    )

    report = run_replay(
        make_settings(),
        candidate_model=DEFAULT_ARTIFACT,
        candidate_catalogue_dir=None,
        limit=None,
        source_file=source,
    )

    assert (report.n, report.skipped, report.changed) == (2, 3, 0)
    assert "3 input lines skipped" in format_report(report)


def test_replay_from_the_ledger_takes_the_newest_inquiries_under_the_limit(
    make_settings: Callable[..., Settings],
    make_inquiry: Callable[..., Inquiry],
    make_catalogue_dir: Callable[..., Path],
) -> None:
    settings = make_settings()
    ledger = build_ledger(settings, migrate=True)
    for n in range(3):
        ledger.accept(make_inquiry(text=f"hvornår har Borgerservice åbent, spørgsmål {n}"))
    ledger.engine.dispose()

    report = run_replay(
        settings,
        candidate_model=DEFAULT_ARTIFACT,
        candidate_catalogue_dir=make_catalogue_dir(service_area_fallback=0.3),
        limit=2,
        source_file=None,
    )

    assert (report.n, report.skipped, report.changed) == (2, 0, 0)
    assert report.candidate_policy_version.endswith("-candidate")
