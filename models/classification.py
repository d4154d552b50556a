"""What the classifier says about an inquiry, one head per label."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.labels import Complexity, Department, InquiryType, Language, ServiceArea, department_of

Probability = float


class HeadConfidence(BaseModel):
    """The classifier's probability for the label it chose, per head."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_area: Probability = Field(ge=0.0, le=1.0)
    type: Probability = Field(ge=0.0, le=1.0)
    complexity: Probability = Field(ge=0.0, le=1.0)
    urgent: Probability = Field(ge=0.0, le=1.0)


class Classification(BaseModel):
    """Labels for one inquiry, with per-head confidence and the model that gave them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    department: Department
    service_area: ServiceArea
    type: InquiryType
    complexity: Complexity
    urgent: bool
    confidence: HeadConfidence
    language: Language = "da"
    model_version: str = Field(min_length=1)

    @model_validator(mode="after")
    def _department_owns_service_area(self) -> Classification:
        if department_of(self.service_area) != self.department:
            raise ValueError(
                f"service area {self.service_area} does not belong to {self.department}"
            )
        return self
