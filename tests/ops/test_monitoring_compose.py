"""The prometheus and grafana services of docker-compose.yml (the engine's are in tests/)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.ops.support import ROOT
from tests.test_docker_compose import _REFERENCE, OPERATOR_ENVIRONMENT, depends_on, interpolate

COMPOSE_FILE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path (or volume name)."""
    return {mount.split(":")[1]: mount.split(":")[0] for mount in service["volumes"]}


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("prometheus", r"prom/prometheus:v\d+\.\d+\.\d+"),
        ("grafana", r"grafana/grafana:\d+\.\d+\.\d+"),
    ],
)
def test_monitoring_images_are_pinned(
    name: str, pattern: str, services: dict[str, dict[str, Any]]
) -> None:
    assert re.fullmatch(pattern, services[name]["image"]), services[name]["image"]


def test_prometheus_reads_the_repository_config(services: dict[str, dict[str, Any]]) -> None:
    prometheus = services["prometheus"]
    mounts = _mounts(prometheus)
    assert mounts["/etc/prometheus"] == "./ops/prometheus"
    assert (ROOT / "ops/prometheus/prometheus.yml").is_file()
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    check = " ".join(prometheus["healthcheck"]["test"])
    assert "wget" in check and "http://localhost:9090/-/ready" in check


def test_grafana_mounts_exist_and_it_waits_for_a_ready_prometheus(
    services: dict[str, dict[str, Any]],
) -> None:
    grafana = services["grafana"]
    for container_path, host_path in _mounts(grafana).items():
        if host_path.startswith("./"):
            assert (ROOT / host_path).is_dir(), container_path
    assert depends_on(grafana) == {"prometheus": "service_healthy"}
    assert "http://localhost:3000/api/health" in " ".join(grafana["healthcheck"]["test"])


def test_grafana_admin_password_must_be_supplied(services: dict[str, dict[str, Any]]) -> None:
    raw = services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    (reference,) = _REFERENCE.finditer(raw)
    assert (reference["name"], reference["op"]) == ("GRAFANA_ADMIN_PASSWORD", ":?")
    with pytest.raises(KeyError, match="GRAFANA_ADMIN_PASSWORD"):
        interpolate(raw, OPERATOR_ENVIRONMENT)
    env = {**OPERATOR_ENVIRONMENT, "GRAFANA_ADMIN_PASSWORD": "not-admin"}
    assert interpolate(raw, env) == "not-admin"


@pytest.mark.parametrize("name", ["prometheus", "grafana"])
def test_monitoring_is_published_on_loopback_only(
    name: str, services: dict[str, dict[str, Any]]
) -> None:
    for port in services[name].get("ports", []):
        assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_prometheus_scrapes_the_mail_connector_on_the_port_compose_gives_it(
    services: dict[str, dict[str, Any]],
) -> None:
    scrape = yaml.safe_load((ROOT / "ops/prometheus/prometheus.yml").read_text())
    job = {j["job_name"]: j for j in scrape["scrape_configs"]}["indgang-mail"]
    [discovery] = job["dns_sd_configs"]
    command = services["mail"]["command"]
    assert discovery["names"] == ["mail"]
    assert str(discovery["port"]) == command[command.index("--metrics-port") + 1]
