"""The routing decision: resolve at once, or queue with a deadline."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.classification import Classification
from models.labels import Action, ServiceArea


class Answer(BaseModel):
    """What a citizen is told when the inquiry is resolved at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    spoken: str | None = None
    link: str | None = None
    phone: str | None = None
    source_id: str | None = None
    match_score: float | None = Field(default=None, ge=0.0, le=1.0)


class RoutingDecision(BaseModel):
    """Exactly one per inquiry: resolve with an answer, or queue with priority and due time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inquiry_id: str = Field(min_length=1)
    action: Action
    queue: ServiceArea
    answer: Answer | None = None
    priority: int = Field(ge=0, le=9, description="0 is the most urgent")
    due_at: datetime | None = None
    queue_opens_at: datetime | None = Field(
        default=None, description="When the queue next opens, if it is closed at decision time"
    )
    reason: str = Field(min_length=1)
    classification: Classification
    decided_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @model_validator(mode="after")
    def _resolve_has_answer_queue_has_due(self) -> RoutingDecision:
        if self.action == "resolve" and self.answer is None:
            raise ValueError("a resolve decision needs an answer")
        if self.action == "queue" and self.due_at is None:
            raise ValueError("a queue decision needs a due time")
        return self
