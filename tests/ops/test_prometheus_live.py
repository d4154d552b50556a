"""A real Prometheus scrapes a running engine: every query behind the boards returns data."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from models.classification import Classification
from models.decision import Answer, RoutingDecision
from models.inquiry import Inquiry
from models.labels import CHANNELS
from streams.embedded_broker import free_port
from tests.ops.prometheus_server import PrometheusServer, running_prometheus
from tests.ops.support import GRAFANA_DIR, dashboard_queries
from tests.processes import RunningEngine, start_engine, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.prometheus]

BURST = 40
# Grafana's interval variables, as Grafana would fill them in for a short time range.
_GRAFANA_VARIABLE = re.compile(r"\$__(rate_interval|interval|range)")
TEXTS = (
    "Jeg skal have fornyet mit pas",
    "Der er rotter i gården ved vores opgang",
    "Hvornår bliver storskraldet hentet?",
    "Jeg vil gerne klage over min afgørelse om kontanthjælp",
)


@pytest.fixture
def seeded_ledger(
    tmp_path: Path,
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
) -> Path:
    """The engine's SQLite ledger, holding three final contacts (one repeated) and one late item."""
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    upgrade(engine)
    ledger = Ledger(engine)
    now = datetime.now(UTC)

    def record(citizen: str, days_ago: int, action: str, due: datetime | None = None) -> None:
        at = now - timedelta(days=days_ago)
        inquiry = make_inquiry(
            citizen_key=hashlib.sha256(citizen.encode()).hexdigest(), received_at=at
        )
        decision = RoutingDecision(
            inquiry_id=inquiry.id,
            action=action,
            queue="mtm.affald",
            answer=Answer(text="Se aarhus.dk/affald") if action == "resolve" else None,
            priority=5,
            due_at=due if action == "queue" else None,
            reason="seeded for the live test",
            classification=make_classification(service_area="mtm.affald"),
            decided_at=at,
        )
        ledger.record_decisions(decided=[(inquiry, decision)])

    record("anna", 12, "queue", due=now - timedelta(days=1))  # past due, still waiting
    record("anna", 10, "resolve")  # anna's repeat of the first
    record("bo", 9, "resolve")
    engine.dispose()
    return tmp_path


def _post_burst(engine: RunningEngine) -> None:
    with httpx.Client(timeout=30) as client:
        for n in range(BURST):
            payload = {
                "id": f"live-{n}-{uuid.uuid4().hex[:8]}",
                "channel": CHANNELS[n % len(CHANNELS)],
                "text": TEXTS[n % len(TEXTS)],
            }
            assert engine.post_inquiry(payload, client=client).status_code == 202
        assert (
            engine.post_inquiry(b'{"channel": "chat", "text": ', client=client).status_code == 400
        )


def _scalar(prometheus: PrometheusServer, expr: str) -> float | None:
    result = prometheus.query(expr)
    return float(result[0]["value"][1]) if result else None


def test_every_dashboard_query_has_data_after_a_burst_of_inquiries(seeded_ledger: Path) -> None:
    port = free_port()
    engine = start_engine(seeded_ledger, port)
    try:
        targets = {"indgang-api": f"127.0.0.1:{port}", "indgang-worker": f"127.0.0.1:{port + 1}"}
        with running_prometheus(seeded_ledger, targets=targets) as prometheus:
            # The worker serves metrics only once it has loaded the model and joined its
            # group, which took more than 30 s while the rest of the suite loaded the machine.
            wait_until(
                lambda: _scalar(prometheus, 'sum(up{job=~"indgang-.*"})') == 2,
                timeout_s=90,
                what="Prometheus to scrape the api and the worker",
            )
            # Counters seen at 0 before the burst, so rates and increases measure it.
            _post_burst(engine)
            wait_until(
                lambda: (_scalar(prometheus, "sum(indgang_decisions_total)") or 0) >= BURST,
                timeout_s=90,
                what=f"Prometheus to see {BURST} decisions",
            )
            queries = {
                expr: _GRAFANA_VARIABLE.sub("1m", expr)
                for board in sorted((GRAFANA_DIR / "dashboards").glob("*.json"))
                for expr in dashboard_queries(board)
            }
            missing = list(queries)

            def all_have_data() -> bool:
                missing[:] = [e for e, q in queries.items() if not prometheus.has_finite_data(q)]
                return not missing

            try:
                wait_until(all_have_data, timeout_s=60, what="data for every dashboard query")
            except AssertionError:
                pytest.fail(f"dashboard queries without data: {missing}")

            assert _scalar(prometheus, "sum(indgang_inquiries_accepted_total)") == BURST
            assert _scalar(prometheus, "sum(indgang_inquiries_rejected_total)") == 1
            # The ledger's figures arrive through the HTTP side's collectors.
            contacts = "sum(max by (service_area, action) (indgang_first_contacts))"
            repeats = "sum(max by (service_area, action) (indgang_first_contact_repeats))"
            assert _scalar(prometheus, contacts) == 3
            assert _scalar(prometheus, repeats) == 1
            assert (_scalar(prometheus, "sum(indgang_queue_items_past_due)") or 0) >= 1
            # ... and the broker's: the workers have committed what they decided.
            wait_until(
                lambda: _scalar(prometheus, "sum(indgang_consumer_lag)") == 0,
                timeout_s=60,
                what="the consumer lag to reach 0",
            )
            rules = prometheus.get("/api/v1/rules")["groups"][0]["rules"]
            assert rules
            assert all(rule["health"] == "ok" for rule in rules), rules
    finally:
        engine.stop()
