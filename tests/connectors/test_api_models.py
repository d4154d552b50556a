"""The bodies a bot posts: a client's clock is trusted for old times, not for the future."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from connectors.api_models import CallEvent, InquiryRequest, client_clock

CLOCK = client_clock(now=datetime(2026, 11, 20, 8, 0, tzinfo=UTC), max_ahead_s=300)
NOW: datetime = CLOCK["now"]


@pytest.fixture
def make_request() -> Callable[..., InquiryRequest]:
    """Validate a bot's inquiry body against the server's clock; override any field."""

    def make(clock: dict[str, Any] = CLOCK, **overrides: Any) -> InquiryRequest:
        body = {"channel": "chat", "text": "Hvornår har Borgerservice åbent?", **overrides}
        return InquiryRequest.model_validate(body, context=clock)

    return make


def test_a_received_at_further_ahead_of_our_clock_than_allowed_is_refused_by_name(
    make_request: Callable[..., InquiryRequest],
) -> None:
    ahead = (NOW + timedelta(minutes=6)).isoformat()
    with pytest.raises(ValidationError, match=r"received_at\n  is more than 300 s ahead of the"):
        make_request(received_at=ahead)


def test_a_received_at_a_little_ahead_or_days_behind_our_clock_is_accepted(
    make_request: Callable[..., InquiryRequest],
) -> None:
    # A client's clock a few minutes fast, and a mail backlog ten days old.
    for received in (NOW + timedelta(minutes=4), NOW - timedelta(days=10)):
        assert make_request(received_at=received.isoformat()).received_at == received


def test_the_tolerance_ahead_is_the_one_configured(
    make_request: Callable[..., InquiryRequest],
) -> None:
    strict = client_clock(now=NOW, max_ahead_s=60)
    with pytest.raises(ValidationError, match="is more than 60 s ahead of the server's clock"):
        make_request(strict, received_at=(NOW + timedelta(minutes=2)).isoformat())


def test_a_received_at_before_2000_is_refused_as_a_clock_never_set(
    make_request: Callable[..., InquiryRequest],
) -> None:
    with pytest.raises(ValidationError, match=r"received_at\n  is before 2000-01-01"):
        make_request(received_at="1970-01-01T00:00:00+00:00")


def test_without_a_clock_given_the_check_uses_the_real_one(
    make_request: Callable[..., InquiryRequest],
) -> None:
    next_year = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    with pytest.raises(ValidationError, match="ahead of the server's clock"):
        InquiryRequest.model_validate({"channel": "chat", "text": "hej", "received_at": next_year})


def test_a_call_events_time_ahead_of_our_clock_is_refused_as_it_becomes_received_at() -> None:
    events: TypeAdapter[Any] = TypeAdapter(CallEvent)
    ahead = {"type": "transcript", "text": "hej", "at": (NOW + timedelta(hours=1)).isoformat()}
    with pytest.raises(ValidationError, match=r"transcript\.at\n  is more than 300 s ahead"):
        events.validate_python(ahead, context=CLOCK)
    assert events.validate_python({"type": "hung_up"}, context=CLOCK).at is None
