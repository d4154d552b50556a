"""Schemathesis against the served API: no 5xx, and every response as the OpenAPI document says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.settings import DEV_BOT_SECRET
from connectors.signing import signed_headers


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
