"""A real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port, for live tests."""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from streams.embedded_broker import free_port
from tests.ops.support import PROMETHEUS_DIR
from tests.processes import wait_until


@dataclass(frozen=True)
class PrometheusServer:
    """A running Prometheus and its HTTP API."""

    url: str
    log_path: Path

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector or scalar of a PromQL query, now; fails on a query error."""
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = response.json()
        assert body["status"] == "success", (expr, body)
        data = body["data"]
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        return list(data["result"])

    def has_finite_data(self, expr: str) -> bool:
        """True when the query returns at least one sample that is a number (not NaN or Inf)."""
        return any(math.isfinite(float(s["value"][1])) for s in self.query(expr))

    def get(self, path: str) -> Any:
        """The data of a GET on Prometheus' API."""
        body = httpx.get(f"{self.url}{path}", timeout=10).json()
        assert body["status"] == "success", (path, body)
        return body["data"]


@contextmanager
def running_prometheus(
    tmp_path: Path, *, targets: dict[str, str], scrape_interval: str = "1s"
) -> Iterator[PrometheusServer]:
    """Prometheus scraping each job's target (host:port) with the shipped alert rules."""
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(binary).is_file():
        pytest.fail("prometheus is missing; run scripts/ensure-services (Debian's prometheus)")
    shutil.copy(PROMETHEUS_DIR / "alerts.yml", tmp_path / "alerts.yml")
    config = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]}
            for job, target in targets.items()
        ],
    }
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    log_path = tmp_path / "prometheus.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = PrometheusServer(f"http://127.0.0.1:{port}", log_path)
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_until(ready, timeout_s=30, what="Prometheus to be ready")
        except AssertionError:
            raise AssertionError(log_path.read_text(errors="replace")[-3000:]) from None
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
