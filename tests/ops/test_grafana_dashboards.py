"""ops/grafana: provisioning and dashboards as code, checked without a running Grafana."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ops.support import GRAFANA_DIR, ROOT, metric_names_in, run_promtool, unknown_metrics

DASHBOARD_DIR = GRAFANA_DIR / "dashboards"
DATASOURCES = GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml"
PROVIDERS = GRAFANA_DIR / "provisioning" / "dashboards" / "dashboards.yml"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
PANEL_TYPES = {"timeseries", "stat"}
DASHBOARDS = ("entrance-overview", "queues", "pipeline")

# What each board is for, as the metrics its panels must show.
REQUIRED_METRICS = {
    "entrance-overview": {
        "indgang_inquiries_accepted_total",  # volume by channel
        "indgang_decisions_total",  # share resolved at once, decisions by department
        "indgang_decision_seconds",  # time to decision p50/p95
        "indgang_first_contacts",  # first-contact resolution
        "indgang_first_contact_repeats",
        "indgang_first_contact_resolution_ratio",
        "indgang_transfers_total",  # misroutes
    },
    "queues": {
        "indgang_queue_items",  # depth per queue and department
        "indgang_queue_oldest_item_age_seconds",
        "indgang_queue_items_past_due",
        "indgang_queue_deadline_seconds",
        "indgang_operator_actions_total",
    },
    "pipeline": {
        "indgang_inquiries_accepted_total",
        "indgang_decisions_total",
        "indgang_dead_letters_total",
        "indgang_inquiries_rejected_total",
        "indgang_redelivered_total",
        "indgang_classifier_confidence",
        "indgang_consumer_lag",
        "indgang_callback_failures_total",
    },
}

# Grafana's interval variables, replaced by a fixed duration so promtool can parse the query.
_GRAFANA_VARIABLE = re.compile(r"\$__(rate_interval|interval|range)")


def _load(name: str) -> dict[str, Any]:
    return json.loads((DASHBOARD_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    panels = []
    for panel in board["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))  # collapsed rows hold their panels
    return panels


def _exprs(board: dict[str, Any]) -> list[str]:
    return [
        target["expr"]
        for panel in _panels(board)
        if panel["type"] != "row"
        for target in panel["targets"]
    ]


def test_the_dashboard_directory_holds_exactly_the_boards() -> None:
    assert {path.stem for path in DASHBOARD_DIR.glob("*.json")} == set(DASHBOARDS)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_is_valid_and_current(name: str) -> None:
    board = _load(name)
    assert board["schemaVersion"] >= 39
    assert re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"]), board["uid"]
    assert board["title"].strip()
    assert board.get("id") is None, "a provisioned dashboard must not carry a database id"


def test_dashboard_uids_and_titles_are_unique() -> None:
    boards = [_load(name) for name in DASHBOARDS]
    assert len({board["uid"] for board in boards}) == len(boards)
    assert len({board["title"] for board in boards}) == len(boards)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_panel_queries_the_provisioned_prometheus(name: str) -> None:
    panels = [panel for panel in _panels(_load(name)) if panel["type"] != "row"]
    assert panels
    ids = [panel["id"] for panel in _panels(_load(name))]
    assert len(ids) == len(set(ids)), f"duplicate panel ids in {name}: {ids}"
    for panel in panels:
        where = f"{name} panel {panel['id']} ({panel.get('title')})"
        assert panel["type"] in PANEL_TYPES, where
        assert panel["title"].strip(), where
        assert panel["datasource"] == DATASOURCE, where
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), where
        targets = panel["targets"]
        assert targets, f"{where} has no targets"
        ref_ids = [target["refId"] for target in targets]
        assert len(ref_ids) == len(set(ref_ids)), where
        for target in targets:
            assert target.get("datasource", DATASOURCE) == DATASOURCE, where
            assert target["expr"].strip(), where


@pytest.mark.parametrize("name", DASHBOARDS)
def test_panels_use_only_metrics_the_engine_exports(name: str) -> None:
    exprs = _exprs(_load(name))
    assert not unknown_metrics(exprs)
    used = set().union(*(metric_names_in(expr) for expr in exprs))
    assert used >= REQUIRED_METRICS[name]


def test_every_panel_query_is_valid_promql(tmp_path: Path) -> None:
    # promtool has no offline query check, so the queries go through it as recording rules.
    rules = [
        {
            "record": f"dashboard:{name.replace('-', '_')}:{n}",
            "expr": _GRAFANA_VARIABLE.sub("5m", expr),
        }
        for name in DASHBOARDS
        for n, expr in enumerate(_exprs(_load(name)))
    ]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = run_promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(rules)} rules found" in result.stdout


def test_datasource_is_provisioned_under_the_uid_the_panels_use() -> None:
    datasources = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    assert [ds["uid"] for ds in datasources] == [DATASOURCE["uid"]]
    (prometheus,) = datasources
    assert prometheus["type"] == DATASOURCE["type"]
    assert prometheus["url"] == "http://prometheus:9090"
    assert prometheus["access"] == "proxy"


def test_dashboards_are_loaded_from_where_compose_mounts_them() -> None:
    providers = yaml.safe_load(PROVIDERS.read_text())["providers"]
    (provider,) = providers
    assert provider["type"] == "file"
    grafana = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["grafana"]
    mounts = dict(mount.split(":")[:2][::-1] for mount in grafana["volumes"])
    assert mounts[provider["options"]["path"]] == "./ops/grafana/dashboards"
    assert mounts["/etc/grafana/provisioning"] == "./ops/grafana/provisioning"
