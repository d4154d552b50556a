"""Versioned JSON on Kafka: every message is an envelope naming its kind and version."""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from models.decision import RoutingDecision
from models.errors import PayloadError
from models.inquiry import Inquiry
from models.queue_events import QueueEvent

Kind = Literal["inquiry", "decision", "queue_event", "dead_letter"]
WIRE_VERSION = 1

_M = TypeVar("_M", bound=BaseModel)


class DeadLetter(BaseModel):
    """A message that could not be processed, with why and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str
    source_topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    payload: str  # the original bytes, decoded leniently so nothing is lost
    detail: Any = None


_ADAPTERS: dict[Kind, TypeAdapter[Any]] = {
    "inquiry": TypeAdapter(Inquiry),
    "decision": TypeAdapter(RoutingDecision),
    "queue_event": TypeAdapter(QueueEvent),
    "dead_letter": TypeAdapter(DeadLetter),
}


def encode(kind: Kind, model: BaseModel) -> bytes:
    """Wrap a model in a versioned envelope and serialise it."""
    envelope = {"kind": kind, "version": WIRE_VERSION, "data": model.model_dump(mode="json")}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(kind: Kind, raw: bytes | str | None) -> Any:
    """Parse an envelope of the given kind; raise PayloadError with the reason otherwise."""
    if raw is None:
        raise PayloadError("empty message")
    envelope = json_object(raw, what="payload")
    if envelope.get("kind") != kind:
        raise PayloadError(f"expected kind {kind!r}, got {envelope.get('kind')!r}")
    if envelope.get("version") != WIRE_VERSION:
        raise PayloadError(f"unsupported {kind} version {envelope.get('version')!r}")
    try:
        return _ADAPTERS[kind].validate_python(envelope.get("data"))
    except ValidationError as exc:
        raise PayloadError(
            f"invalid {kind}: {summarise_validation(exc)}",
            detail=exc.errors(include_url=False, include_input=False),
        ) from exc


def json_object(raw: bytes | str, *, what: str) -> dict[str, Any]:
    """Parse UTF-8 JSON that must be an object; PayloadError names which of the three failed."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise PayloadError(f"{what} is not UTF-8: invalid byte at position {exc.start}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"{what} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(data, dict):
        raise PayloadError(f"{what} must be a JSON object, not {type(data).__name__}")
    return data


def summarise_validation(exc: ValidationError, limit: int = 5) -> str:
    """One line naming the failing fields, without echoing their (possibly personal) values."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def lenient_text(raw: bytes | None, limit: int = 1_000_000) -> str:
    """Return raw bytes as text for a dead letter, replacing what is not UTF-8."""
    if raw is None:
        return ""
    return raw[:limit].decode("utf-8", errors="replace")
