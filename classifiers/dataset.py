"""Load, redact, split and fingerprint hand-labelled inquiries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from classifiers.redaction import redact
from models.errors import ClassifierError
from models.inquiry import Inquiry
from models.labels import (
    Action,
    Channel,
    Complexity,
    Department,
    InquiryType,
    Sender,
    ServiceArea,
    department_of,
    expected_action,
)

DEFAULT_SEED = 20261121


class Labels(BaseModel):
    """The labels of one inquiry, consistent with DOMAIN.md's rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    department: Department
    service_area: ServiceArea
    type: InquiryType
    complexity: Complexity
    urgent: bool
    action: Action

    @model_validator(mode="after")
    def _follows_domain_rules(self) -> Labels:
        # A label set that breaks the rules would teach the heads a contradiction.
        if department_of(self.service_area) != self.department:
            raise ValueError(f"{self.service_area} does not belong to {self.department}")
        rule = expected_action(
            urgent=self.urgent, complexity=self.complexity, inquiry_type=self.type
        )
        if rule != self.action:
            raise ValueError(f"action {self.action} contradicts the action rule ({rule})")
        return self


class LabelledInquiry(BaseModel):
    """One line of the shared JSONL schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    channel: Channel
    sender: Sender
    subject: str
    text: str
    lang: Literal["da", "en"]
    labels: Labels

    def to_inquiry(self) -> Inquiry:
        """Return the inquiry as it would arrive at the entrance."""
        return Inquiry(
            id=self.id,
            channel=self.channel,
            sender=self.sender,
            subject=self.subject,
            text=self.text,
            language=self.lang,
        )


def load_labelled(paths: Iterable[Path]) -> list[LabelledInquiry]:
    """Read JSONL files, redacting text and subject before anything else sees them."""
    records: list[LabelledInquiry] = []
    seen: set[str] = set()
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    raw = LabelledInquiry.model_validate_json(line)
                except ValidationError as exc:
                    raise ClassifierError(f"{path}:{number} is not a labelled inquiry") from exc
                if raw.id in seen:
                    raise ClassifierError(f"{path}:{number} repeats id {raw.id!r}")
                seen.add(raw.id)
                records.append(
                    raw.model_copy(
                        update={"text": redact(raw.text), "subject": redact(raw.subject)}
                    )
                )
    return records


def _bucket(record_id: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split(
    records: Sequence[LabelledInquiry],
    *,
    held_out_share: float = 0.2,
    seed: int = DEFAULT_SEED,
) -> tuple[list[LabelledInquiry], list[LabelledInquiry]]:
    """Return (train, held_out); a record's side depends only on its id and the seed."""
    if not 0.0 < held_out_share < 1.0:
        raise ValueError("held_out_share must lie strictly between 0 and 1")
    # A per-record hash makes the split stratified by service area only in expectation
    # (every area's records face the same odds). An exact per-area quota would be tighter,
    # but adding a record could then push an old one across, leaking it into training and
    # making old and new metrics incomparable; stability wins.
    train: list[LabelledInquiry] = []
    held_out: list[LabelledInquiry] = []
    for record in records:
        side = held_out if _bucket(record.id, seed) < held_out_share else train
        side.append(record)
    return train, held_out


def stratified_held_out(
    records: Sequence[LabelledInquiry],
    *,
    share: float = 0.2,
    minimum: int = 3,
    seed: int = DEFAULT_SEED,
) -> tuple[list[LabelledInquiry], list[LabelledInquiry]]:
    """Return (train, held_out) with `share` of every service area held out, chosen by id hash."""
    # Used once to freeze data/held-out/: from then on the file is the split, so an exact
    # per-area quota is safe (adding data can no longer move an old record across).
    by_area: dict[str, list[LabelledInquiry]] = {}
    for record in records:
        by_area.setdefault(record.labels.service_area, []).append(record)
    held: set[str] = set()
    for group in by_area.values():
        ranked = sorted(group, key=lambda r: _bucket(r.id, seed))
        held.update(r.id for r in ranked[: max(minimum, round(share * len(group)))])
    return [r for r in records if r.id not in held], [r for r in records if r.id in held]


def write_labelled(records: Iterable[LabelledInquiry], path: Path) -> None:
    """Write records as JSON lines in the shared schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(record.model_dump_json() + "\n")


def data_hash(records: Iterable[LabelledInquiry]) -> str:
    """Return a SHA-256 over the records, independent of their order."""
    lines = sorted(record.model_dump_json() for record in records)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
