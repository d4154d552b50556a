"""Events on a department queue: every change of an item is one of these."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.labels import ServiceArea


class _QueueEventBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    inquiry_id: str = Field(min_length=1)
    queue: ServiceArea
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    actor: str = Field(default="system", description="operator username or 'system'")


class ItemEnqueued(_QueueEventBase):
    """The router put an inquiry on a queue."""

    kind: Literal["enqueued"] = "enqueued"
    priority: int = Field(ge=0, le=9)
    due_at: datetime


class ItemClaimed(_QueueEventBase):
    """An operator took the item."""

    kind: Literal["claimed"] = "claimed"


class ItemReleased(_QueueEventBase):
    """An operator gave the item back to the queue."""

    kind: Literal["released"] = "released"


class ItemTransferred(_QueueEventBase):
    """An operator moved the item to another queue; a correction of the router."""

    kind: Literal["transferred"] = "transferred"
    to_queue: ServiceArea
    reason: str = Field(min_length=1)


class ItemResolved(_QueueEventBase):
    """An operator closed the item."""

    kind: Literal["resolved"] = "resolved"
    outcome: str = Field(min_length=1)


class ItemRelabelled(_QueueEventBase):
    """An operator corrected a label other than the queue."""

    kind: Literal["relabelled"] = "relabelled"
    field: Literal["type", "complexity", "urgent"]
    value: str


QueueEvent = Annotated[
    ItemEnqueued | ItemClaimed | ItemReleased | ItemTransferred | ItemResolved | ItemRelabelled,
    Field(discriminator="kind"),
]
