"""Schemathesis against the served API: no 5xx, and every response as the OpenAPI document says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.catalogue import load_catalogue
from config.settings import DEV_BOT_SECRET, BotClient
from connectors.http_api import create_api
from connectors.signing import signed_headers
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.store import Ledger
from streams.citizen_keys import CitizenKeys
from streams.intake import Intake
from streams.metrics import create_metrics
from streams.producer import Producer
from tests.connectors.webhook_support import serve


def _operation(result: Any) -> Any:
    """The operation of a loaded result; a document schemathesis cannot read fails here."""
    return result.ok()


class SignAsLocalDev(requests.auth.AuthBase):
    """Signs each generated request's final body bytes, as a configured bot client would."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)  # type: ignore[arg-type]
        request.headers.update(
            signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=raw)
        )
        return request


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API on a SQLite ledger; the producer never connects, so inquiries wait durably."""
    path: Path = tmp_path_factory.mktemp("openapi") / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    intake = Intake(
        ledger=Ledger(engine),
        producer=Producer(bootstrap_servers="127.0.0.1:9"),
        topic="unused",
        citizen_keys=CitizenKeys(secret=b"test-citizen-key"),
    )
    app = create_api(
        intake=intake,
        max_body_bytes=65_536,
        redelivery_after_s=3_600,
        redelivery_interval_s=3_600,
        bot_clients=[BotClient(id="local-dev", secret=SecretStr(DEV_BOT_SECRET))],
        # Short: a generated `Prefer: wait=N` should not hold every example for seconds.
        sync_wait_s=0.1,
        metrics=create_metrics(),
        catalogue=load_catalogue(),
    )
    with serve(app) as url:
        yield url
    engine.dispose()


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """An HTTP session that signs every request."""
    with requests.Session() as signing:
        signing.auth = SignAsLocalDev()
        yield signing


def test_the_document_lists_every_operation(served: str) -> None:
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    operations = {_operation(result).label for result in schema.get_all_operations()}
    assert operations == {
        "POST /v1/inquiries",
        "GET /v1/inquiries/{inquiry_id}",
        "POST /v1/calls/{call_id}/events",
        "GET /healthz",
    }


# schemathesis.pytest.from_fixture reads a pytest-internal attribute that pytest 9 removed, so
# each operation's strategy is driven by Hypothesis here instead; the checks are the same.
@pytest.mark.slow
@pytest.mark.parametrize(
    "label",
    [
        "POST /v1/inquiries",
        "GET /v1/inquiries/{inquiry_id}",
        "POST /v1/calls/{call_id}/events",
        "GET /healthz",
    ],
)
def test_every_operation_answers_without_5xx_and_as_documented(
    served: str, session: requests.Session, label: str
) -> None:
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    operation = next(op for op in map(_operation, schema.get_all_operations()) if op.label == label)
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    def conforms(case: Any) -> None:
        response = case.call_and_validate(
            session=session, checks=[not_a_server_error, response_schema_conformance]
        )
        statuses.append(response.status_code)

    conforms()
    if label.startswith("POST"):
        # Signed for real: generated requests get through to the operation, not only to the 401.
        assert any(status < 300 for status in statuses), sorted(set(statuses))
    assert statuses, "no request was made"
