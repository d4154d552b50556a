"""An operator's correction of the router: what `indgang train --with-feedback` learns from."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.errors import PayloadError
from models.labels import Channel
from models.wire import WIRE_VERSION, json_object, summarise_validation

CorrectedField = Literal["service_area", "type", "complexity", "urgent"]
KIND = "correction"


class Correction(BaseModel):
    """One corrected label of one inquiry; the text redacted, the person named by role only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(min_length=1, description="the queue event that made the correction")
    inquiry_id: str = Field(min_length=1)
    at: datetime
    actor_role: Literal["operator", "caseworker", "supervisor"]
    field: CorrectedField
    old: str
    new: str
    reason: str | None = None
    channel: Channel
    subject_redacted: str = ""
    text_redacted: str


def encode_correction(correction: Correction) -> bytes:
    """A correction in the versioned envelope every Indgang topic uses."""
    envelope = {"kind": KIND, "version": WIRE_VERSION, "data": correction.model_dump(mode="json")}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_correction(raw: bytes | str) -> Correction:
    """Parse a correction envelope; PayloadError says what is wrong with it."""
    envelope = json_object(raw, what="payload")
    if envelope.get("kind") != KIND or envelope.get("version") != WIRE_VERSION:
        raise PayloadError(
            f"expected {KIND} version {WIRE_VERSION}, got "
            f"{envelope.get('kind')!r} version {envelope.get('version')!r}"
        )
    try:
        return Correction.model_validate(envelope.get("data"))
    except ValidationError as exc:
        raise PayloadError(f"invalid {KIND}: {summarise_validation(exc)}") from exc
