"""The pipeline benchmark: a real mix, and a quick run that writes its results and plot."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.load_mix import (
    UNMAPPED_AREA_VOLUME,
    area_weights,
    inquiry_stream,
    texts_by_area,
)

REPO = Path(__file__).resolve().parents[2]


def test_the_mix_follows_the_city_volumes_per_entry() -> None:
    weights = area_weights({"mkb.folkeregister", "ba.koerselskontoret", "mbu.skole"})
    # Borgerservice's 291,622 a year are shared by five areas; Kørselskontoret has 44,700 alone.
    assert weights["mkb.folkeregister"] == pytest.approx((216_505 + 75_117) / 5)
    assert weights["ba.koerselskontoret"] == 44_700
    assert weights["mbu.skole"] == UNMAPPED_AREA_VOLUME


def test_the_stream_draws_fresh_inquiries_mostly_from_the_busy_entries() -> None:
    drawn = list(itertools.islice(inquiry_stream(seed=7), 3_000))
    assert len({i.id for i in drawn}) == len(drawn)
    area_of = {i.text: area for area, items in texts_by_area().items() for i in items}
    areas = Counter(area_of[i.text] for i in drawn)
    # Kørselskontoret (44,700 a year) must come up far more often than Byrådsservice (2,250).
    assert areas["ba.koerselskontoret"] > 5 * areas["ba.byraadsservice"]
    assert len(Counter(i.text for i in drawn)) > 500  # variety, not a few repeated lines


@pytest.mark.broker
@pytest.mark.slow
def test_a_quick_run_writes_results_and_a_plot(tmp_path: Path) -> None:
    out = tmp_path / "pipeline.json"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.pipeline", "--quick", "--out", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )
    result = json.loads(out.read_text())
    assert result["quick"] is True
    assert result["ceiling"]["produce_then_consume_per_s"] > 0
    for key in ("one_worker", "two_workers"):
        assert result[key]["throughput"]["ratio_to_ceiling"] > 0
    assert result["one_worker"]["steady"]["latency_ms"]["n"] > 0
    assert result["memory"]["long_run"]["samples"]
    assert out.with_suffix(".png").stat().st_size > 10_000
