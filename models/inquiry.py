"""An inquiry as it arrives at the entrance, from any channel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from models.labels import Channel, Language, Sender

MAX_TEXT_CHARS = 500_000

InquiryId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
]
Cvr = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]


def new_inquiry_id() -> str:
    """Return a fresh, unguessable inquiry id."""
    return uuid.uuid4().hex


class Inquiry(BaseModel):
    """One inquiry from a citizen or a business, whatever the channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: InquiryId = Field(default_factory=new_inquiry_id)
    channel: Channel
    sender: Sender = "citizen"
    cvr: Cvr | None = None
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str = Field(default="", max_length=1_000)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    language: Language | None = None
    source: dict[str, Any] = Field(default_factory=dict)
    # Set by the entrance: a keyed hash of the citizen's CPR number, phone or mail address.
    citizen_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _has_words_and_aware_time(self) -> Inquiry:
        if not (self.text.strip() or self.subject.strip()):
            raise ValueError("an inquiry needs text or a subject")
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must carry a time zone")
        if self.cvr is not None and self.sender != "business":
            raise ValueError("a CVR number belongs to a business sender")
        return self

    @property
    def full_text(self) -> str:
        """Subject and text as one string for the classifier."""
        return f"{self.subject}\n{self.text}".strip() if self.subject else self.text
