"""ops/prometheus: the scrape config and alert rules pass promtool, and alert on real metrics."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.ops.support import (
    PROMETHEUS_DIR,
    exported_metric_names,
    metric_names_in,
    run_promtool,
    unknown_metrics,
)

CONFIG = PROMETHEUS_DIR / "prometheus.yml"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
ALERT_TESTS = PROMETHEUS_DIR / "alerts.test.yml"

EXPECTED_ALERTS = {
    "IndgangDown",
    "DeadLettersAppearing",
    "InquiriesRejectedSpike",
    "StraksafklaringDropped",
    "DecisionsSlow",
    "RedeliveryHappening",
    "QueueItemsPastDue",
    "QueueOldestItemOverDeadline",
    "ConsumerLagGrowing",
}
# Alerts on a ratio, a quantile, a comparison or a trend: their tests must also show a case
# that does not fire.
RATIO_ALERTS = {
    "InquiriesRejectedSpike",
    "StraksafklaringDropped",
    "DecisionsSlow",
    "QueueOldestItemOverDeadline",
    "ConsumerLagGrowing",
}


def _load(path: Any) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def rules() -> dict[str, dict[str, Any]]:
    loaded = _load(ALERTS)
    return {rule["alert"]: rule for group in loaded["groups"] for rule in group["rules"]}


@pytest.fixture(scope="module")
def alert_cases() -> list[dict[str, Any]]:
    return [case for test in _load(ALERT_TESTS)["tests"] for case in test["alert_rule_test"]]


def test_promtool_accepts_the_config_and_finds_the_rule_file() -> None:
    result = run_promtool("check", "config", CONFIG.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_promtool_accepts_the_alert_rules() -> None:
    result = run_promtool("check", "rules", ALERTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(EXPECTED_ALERTS)} rules found" in result.stdout


def test_alert_unit_tests_pass() -> None:
    result = run_promtool("test", "rules", ALERT_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_unit_tests_load_the_shipped_rule_file() -> None:
    assert _load(ALERT_TESTS)["rule_files"] == [ALERTS.name]
    assert _load(CONFIG)["rule_files"] == [ALERTS.name]


def test_every_expected_alert_is_defined_with_severity_and_annotations(
    rules: dict[str, dict[str, Any]],
) -> None:
    assert set(rules) == EXPECTED_ALERTS
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        annotations = rule["annotations"]
        assert annotations.get("summary", "").strip(), f"{name} has no summary"
        assert annotations.get("description", "").strip(), f"{name} has no description"


def test_every_alert_has_a_unit_test_that_fires_it(
    rules: dict[str, dict[str, Any]], alert_cases: list[dict[str, Any]]
) -> None:
    fired = {case["alertname"] for case in alert_cases if case.get("exp_alerts")}
    assert fired == set(rules), f"never shown firing: {sorted(set(rules) - fired)}"


def test_ratio_alerts_have_a_unit_test_where_they_must_stay_silent(
    alert_cases: list[dict[str, Any]],
) -> None:
    silent = {case["alertname"] for case in alert_cases if not case.get("exp_alerts")}
    assert silent >= RATIO_ALERTS, f"no silent case for {sorted(RATIO_ALERTS - silent)}"


def test_alerts_use_only_metrics_the_engine_exports(rules: dict[str, dict[str, Any]]) -> None:
    exprs = [rule["expr"] for rule in rules.values()]
    assert not unknown_metrics(exprs)
    used = set().union(*(metric_names_in(expr) for expr in exprs))
    # Guards the name extraction itself: these alerts do look at the engine's metrics.
    assert {
        "indgang_dead_letters_total",
        "indgang_inquiries_rejected_total",
        "indgang_decisions_total",
        "indgang_decision_seconds",
        "indgang_redelivered_total",
        "indgang_queue_items_past_due",
        "indgang_queue_oldest_item_age_seconds",
        "indgang_queue_deadline_seconds",
        "indgang_consumer_lag",
    } <= used


def test_the_exported_names_are_the_ones_the_engine_documents() -> None:
    assert {
        "indgang_inquiries_accepted_total",
        "indgang_inquiries_rejected_total",
        "indgang_decisions_total",
        "indgang_decision_seconds",
        "indgang_classifier_confidence",
        "indgang_model_info",
        "indgang_dead_letters_total",
        "indgang_redelivered_total",
        "indgang_queue_items",
        "indgang_queue_oldest_item_age_seconds",
        "indgang_queue_items_past_due",
        "indgang_queue_deadline_seconds",
        "indgang_consumer_lag",
        "indgang_first_contacts",
        "indgang_first_contact_repeats",
        "indgang_first_contact_resolution_ratio",
    } <= exported_metric_names()


def test_scrape_jobs_cover_the_api_and_every_worker_replica(
    rules: dict[str, dict[str, Any]],
) -> None:
    jobs = {job["job_name"]: job for job in _load(CONFIG)["scrape_configs"]}
    api, worker = jobs["indgang-api"], jobs["indgang-worker"]
    assert api.get("metrics_path", "/metrics") == "/metrics"
    assert api["static_configs"] == [{"targets": ["api:8080"]}]
    # The worker is scaled; DNS discovery finds every replica of the compose service.
    assert worker.get("metrics_path", "/metrics") == "/metrics"
    assert worker["dns_sd_configs"][0]["names"] == ["worker"]
    assert worker["dns_sd_configs"][0]["port"] == 8081
    down = rules["IndgangDown"]["expr"]
    assert "indgang-api" in down and "indgang-worker" in down


def test_the_mail_connector_is_scraped_only_where_it_runs_and_alerted_on_there(
    rules: dict[str, dict[str, Any]],
) -> None:
    mail = {job["job_name"]: job for job in _load(CONFIG)["scrape_configs"]}["indgang-mail"]
    assert mail.get("metrics_path", "/metrics") == "/metrics"
    # Discovery, not a static target: without the mail service there is no target, no `up`
    # series, and so nothing for IndgangDown to fire on (alerts.test.yml shows both cases).
    assert "static_configs" not in mail
    assert mail["dns_sd_configs"][0]["names"] == ["mail"]
    assert mail["dns_sd_configs"][0]["port"] == 8082
    assert "indgang-mail" in rules["IndgangDown"]["expr"]
