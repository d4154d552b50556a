"""Arbitrary signed bodies at the HTTP entrance: never a 5xx, every refusal explained."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import DEV_BOT_SECRET
from connectors.signing import signed_headers

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=140) | JSON_VALUES,
        "channel": st.sampled_from(["phone", "mail", "chat", "web", "fax", ""]) | JSON_VALUES,
        "text": st.text(max_size=300) | JSON_VALUES,
        "subject": st.text(max_size=50),
        "sender": st.sampled_from(["citizen", "business", "robot"]),
        "cvr": st.text(alphabet="0123456789x", max_size=10),
        "received_at": st.sampled_from(["2026-11-21T10:00:00", "2026-11-21T10:00:00+01:00", "x"]),
        "contact": st.text(max_size=40),
        "language": st.sampled_from(["da", "en", "xx"]),
        "citizen_key": st.text(max_size=70),
    },
)
BODIES = st.one_of(
    st.binary(max_size=3_000),
    FIELDS.map(lambda d: json.dumps(d).encode()),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
)

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def client(served: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served, timeout=30) as http:
        yield http


def _post(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    headers = {
        "content-type": "application/json",
        **signed_headers(client_id="local-dev", secret=DEV_BOT_SECRET, body=body),
    }
    return client.post(path, content=body, headers=headers)


def _assert_explained(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        problem: dict[str, Any] = response.json()
        assert problem["error"]  # a refusal names its reason


@given(body=BODIES)
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_signed_inquiry_body_is_accepted_or_refused_with_a_reason(
    client: httpx.Client, body: bytes
) -> None:
    response = _post(client, "/v1/inquiries", body)
    _assert_explained(response)
    assert response.status_code in (200, 202, 400, 413, 422)


@given(body=BODIES, call_id=st.text(alphabet="abcdefghij0123456789-_.:", min_size=1, max_size=70))
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_signed_call_event_is_accepted_or_refused_with_a_reason(
    client: httpx.Client, body: bytes, call_id: str
) -> None:
    _assert_explained(_post(client, f"/v1/calls/{call_id}/events", body))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/v1/no-such-thing", 404), ("DELETE", "/v1/inquiries", 405)],
)
def test_an_unknown_path_or_method_is_refused_with_a_reason(
    client: httpx.Client, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    _assert_explained(response)
