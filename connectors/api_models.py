"""Request and response bodies of the HTTP API, as the OpenAPI document describes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.labels import Action, Department, Language, ServiceArea

Status = Literal["accepted", "published", "decided"]
Contact = Annotated[str, StringConstraints(min_length=1, max_length=320)]
CallId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,48}$")]

# A bot client stamps an inquiry's time with its own clock, and the queue's age, its alert and
# the due time count from it. A time well ahead of ours is a clock running fast (the inquiry
# would read as not yet written); one before 2000 is a clock never set (decades of waiting,
# an alert at once). Old times are fine: a backlog can be days old. The tolerance is the
# setting `received_at_max_ahead_s`, handed to validation as context; this is its default.
RECEIVED_AT_MAX_AHEAD_S = 300
RECEIVED_AT_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)


def client_clock(*, now: datetime, max_ahead_s: int) -> dict[str, Any]:
    """The validation context for a client's times: our clock, and how far ahead it may be."""
    return {"now": now, "received_at_max_ahead_s": max_ahead_s}


def _check_client_time(value: datetime, info: ValidationInfo) -> datetime:
    if value.tzinfo is None:
        return value  # refused by the model itself, naming the time zone
    context = info.context or {}
    now: datetime = context.get("now") or datetime.now(UTC)
    max_ahead_s: int = context.get("received_at_max_ahead_s", RECEIVED_AT_MAX_AHEAD_S)
    if value - now > timedelta(seconds=max_ahead_s):
        raise PydanticCustomError(
            "time_in_future",
            "is more than {max_ahead_s} s ahead of the server's clock; is the client's clock fast?",
            {"max_ahead_s": max_ahead_s},
        )
    if value < RECEIVED_AT_FLOOR:
        raise PydanticCustomError(
            "time_too_early", "is before 2000-01-01; is the client's clock set?"
        )
    return value


class InquiryRequest(Inquiry):
    """An inquiry as a bot posts it: the stored fields, plus how to reach the sender."""

    contact: Contact | None = Field(
        default=None,
        description=(
            "The sender's phone number or mail address. Only a keyed hash of it is kept "
            "(the citizen key, for first-contact resolution); the value itself is never stored."
        ),
    )

    @field_validator("received_at")
    @classmethod
    def _not_ahead_of_our_clock(cls, value: datetime, info: ValidationInfo) -> datetime:
        return _check_client_time(value, info)


class Transfer(BaseModel):
    """Where a queued inquiry went, and how the citizen reaches that queue."""

    queue: ServiceArea
    queue_name: str
    department: Department
    department_name: str
    phone: str | None = Field(description="The queue's number from the catalogue, if it has one")
    phone_is_general: bool = Field(description="True when the number is a general line")
    phone_hours: dict[str, list[str]] | None = Field(
        description="Published phone hours per weekday (mon..sun), where a source gives them"
    )
    opens_at: datetime | None = Field(description="When the queue next opens, if closed now")
    due_at: datetime | None


class BotReply(BaseModel):
    """What a chat- or voicebot says and does next: answer, or transfer to a queue."""

    action: Action
    text: str
    spoken: str = Field(description="The same, worded for a voicebot to read aloud")
    link: str | None = None
    phone: str | None = None
    transfer: Transfer | None = Field(
        default=None, description="Set when the inquiry was queued: the transfer target"
    )


class Accepted(BaseModel):
    """The receipt for an inquiry: durable, where to follow it and, when waited for, its outcome."""

    id: str
    status: Status
    duplicate: bool
    links: dict[str, str]
    decision: RoutingDecision | None = None
    reply: BotReply | None = None


class CallbackBody(BaseModel):
    """What a bot client's callback URL receives once an inquiry is decided (at least once)."""

    id: str
    attempt: int = Field(ge=1, description="1 for the first try; receivers dedup by `id`")
    links: dict[str, str]
    decision: RoutingDecision
    reply: BotReply


class InquiryState(BaseModel):
    """An inquiry's status and, once made, its routing decision."""

    id: str
    status: Status
    channel: str
    accepted_at: datetime
    decision: RoutingDecision | None


class Problem(BaseModel):
    """Why a request was refused."""

    error: str
    fields: list[dict[str, Any]] | None = None


class Health(BaseModel):
    """Readiness of the HTTP side's dependencies."""

    status: Literal["ok", "degraded"]
    ledger: Literal["ok", "unavailable"]
    broker: Literal["ok", "unavailable"]


class _CallEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime | None = Field(default=None, description="When it happened; default: arrival")
    caller: Contact | None = Field(
        default=None,
        description=(
            "The caller's number. Never stored: it becomes the citizen key of the inquiry this "
            "event creates (a transcript, or the hang-up of a call with no transcript)."
        ),
    )

    @field_validator("at")
    @classmethod
    def _not_ahead_of_our_clock(
        cls, value: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        # `at` becomes the inquiry's received_at: the same rule as InquiryRequest's. Absent,
        # the server's time is used.
        return _check_client_time(value, info) if value is not None else None


class CallStarted(_CallEvent):
    """The telephony platform put a call through to the voicebot."""

    type: Literal["started"]


class CallTranscript(_CallEvent):
    """The caller's words, transcribed: they become the call's inquiry on channel `phone`."""

    type: Literal["transcript"]
    text: str = Field(min_length=1, max_length=100_000)
    language: Language | None = None

    @field_validator("text")
    @classmethod
    def _has_words(cls, text: str) -> str:
        # Python counts control characters such as U+001F as whitespace; so does Inquiry.
        if not text.strip():
            raise ValueError("a transcript needs words, not only whitespace")
        return text


class CallHungUp(_CallEvent):
    """The caller hung up."""

    type: Literal["hung_up"]


CallEvent = Annotated[CallStarted | CallTranscript | CallHungUp, Field(discriminator="type")]


class CallState(BaseModel):
    """What is recorded of a call after an event, and the inquiry it became, if any."""

    call_id: str
    event: Literal["started", "transcript", "hung_up"]
    inquiry_id: str | None
    started_at: datetime | None
    hung_up_at: datetime | None
    hung_up_before_decision: bool | None = Field(
        description="Set at the hang-up when the call had an inquiry: was it undecided then?"
    )
    abandoned: bool = Field(description="The caller hung up before any transcript")
    receipt: Accepted | None = Field(
        default=None, description="The inquiry's receipt, for a transcript or abandoned call"
    )
