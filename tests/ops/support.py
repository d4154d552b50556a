"""Shared helpers for the ops checks: paths, promtool, and the metric names Indgang exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from prometheus_client import Metric

from config.catalogue import load_catalogue
from ledger.database import make_engine
from streams.consumer_lag import ConsumerLagMonitor
from streams.first_contact_metrics import FirstContactCollector
from streams.metrics import create_metrics
from streams.queue_metrics import QueueCollector

ROOT = Path(__file__).resolve().parents[2]
OPS = ROOT / "ops"
PROMETHEUS_DIR = OPS / "prometheus"
GRAFANA_DIR = OPS / "grafana"

_METRIC_NAME = re.compile(r"\bindgang_[a-zA-Z0-9_]*")
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def run_promtool(*args: str, cwd: Path = PROMETHEUS_DIR) -> subprocess.CompletedProcess[str]:
    """Run promtool in `cwd` (relative rule file paths resolve there), or skip without it."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip(
            "promtool is not installed; scripts/ensure-services installs it (Debian prometheus)"
        )
    return subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@cache
def _registry_families() -> list[Metric]:
    """The families of streams.metrics and of the HTTP side's collectors (described only)."""
    engine = make_engine("sqlite://")  # never queried: describe() reads no ledger
    collectors = [
        QueueCollector(engine=engine, catalogue=load_catalogue()),
        FirstContactCollector(engine=engine, repeat_contact_days=7),
        ConsumerLagMonitor(bootstrap_servers="unused:9092", group_id="indgang-router", topics=[]),
    ]
    families = list(create_metrics().registry.collect())
    return families + [family for c in collectors for family in c.describe()]


def _families() -> tuple[set[str], set[str]]:
    """(series names, histogram base names) of everything the engine exports."""
    series: set[str] = set()
    histograms: set[str] = set()
    for family in _registry_families():
        # Labelled counters and histograms have no samples until a label set is used, so
        # the names come from each family's type as well as from its samples.
        if family.type == "counter":
            series.add(f"{family.name}_total")
        elif family.type == "histogram":
            histograms.add(family.name)
            series.update(f"{family.name}{suffix}" for suffix in _HISTOGRAM_SUFFIXES)
        elif family.type == "info":
            series.add(f"{family.name}_info")
        else:
            series.add(family.name)
        series.update(sample.name for sample in family.samples)
    return series, histograms


def exported_metric_names() -> set[str]:
    """Every name a query may use for streams.metrics: series names, histograms by base name."""
    series, histograms = _families()
    return {_base_name(name, histograms) for name in series} | histograms


def _base_name(name: str, histograms: set[str]) -> str:
    for suffix in _HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in histograms:
            return name.removesuffix(suffix)
    return name


def metric_names_in(expr: str) -> set[str]:
    """The indgang_* names a PromQL expression uses, histogram series by their base name."""
    _, histograms = _families()
    return {_base_name(name, histograms) for name in _METRIC_NAME.findall(expr)}


def unknown_metrics(exprs: list[str]) -> dict[str, set[str]]:
    """Per expression, the indgang_* names it uses that streams.metrics does not export."""
    exported = exported_metric_names()
    unknown = {expr: metric_names_in(expr) - exported for expr in exprs}
    return {expr: names for expr, names in unknown.items() if names}


def dashboard_queries(path: Path) -> list[str]:
    """Every target expression of a dashboard's panels, collapsed rows included."""
    board = json.loads(path.read_text(encoding="utf-8"))
    panels = [p for panel in board["panels"] for p in (panel, *panel.get("panels", []))]
    return [t["expr"] for p in panels if p["type"] != "row" for t in p["targets"]]
