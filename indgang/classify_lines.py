"""`indgang classify`: JSON lines in, one JSON line out per line, errors named and never fatal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import ValidationError

from classifiers.base import Classifier
from config.catalogue import Catalogue
from models.errors import ClassifierError, PayloadError
from models.inquiry import Inquiry
from models.wire import json_object, summarise_validation
from router.answers import AnswerMatcher
from router.policy import decide

# Labelled files carry these beside the inquiry; classify reads them as plain inquiries.
_LABELLED_EXTRAS = {"labels", "lang"}


def parse_line(raw: bytes) -> Inquiry:
    """One input line as an inquiry; ValueError with a reason otherwise."""
    try:
        data = json_object(raw, what="line")
    except PayloadError as exc:
        raise ValueError(exc.reason) from exc
    if "lang" in data and "language" not in data and data["lang"] in ("da", "en", "other"):
        data["language"] = data["lang"]
    data = {k: v for k, v in data.items() if k not in _LABELLED_EXTRAS}
    try:
        return Inquiry.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"invalid inquiry: {summarise_validation(exc)}") from exc


def _line_id(raw: bytes) -> Any:
    try:
        data = json.loads(raw)
        return data.get("id") if isinstance(data, dict) else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _chunks(lines: Iterator[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for number, raw in enumerate(lines, start=1):
        chunk.append((number, raw.rstrip(b"\r\n")))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def classify_stream(
    source: IO[bytes],
    sink: IO[str],
    *,
    classifier: Classifier,
    catalogue: Catalogue,
    answers: AnswerMatcher | None = None,
    batch_size: int = 256,
) -> int:
    """Classify every line of `source` into `sink`; return how many lines failed."""
    failures = 0
    for chunk in _chunks(iter(source), batch_size):
        parsed: list[tuple[int, Inquiry]] = []
        results: dict[int, dict[str, Any]] = {}
        for number, raw in chunk:
            try:
                parsed.append((number, parse_line(raw)))
            except ValueError as exc:
                results[number] = {"line": number, "id": _line_id(raw), "error": str(exc)}
        for (number, _), row in zip(
            parsed, _classified(parsed, classifier, catalogue, answers), strict=True
        ):
            results[number] = row
        for number, _ in chunk:
            failures += "error" in results[number]
            sink.write(json.dumps(results[number], ensure_ascii=False) + "\n")
        sink.flush()
    return failures


def _classified(
    parsed: list[tuple[int, Inquiry]],
    classifier: Classifier,
    catalogue: Catalogue,
    answers: AnswerMatcher | None,
) -> list[dict[str, Any]]:
    inquiries = [inquiry for _, inquiry in parsed]
    if not inquiries:
        return []
    try:
        classifications = classifier.classify_batch(inquiries)
    except ClassifierError as exc:
        return [{"line": n, "id": i.id, "error": f"classifier: {exc}"} for n, i in parsed]
    now = datetime.now(UTC)
    rows = []
    for inquiry, c in zip(inquiries, classifications, strict=True):
        decision = decide(
            inquiry=inquiry, classification=c, catalogue=catalogue, now=now, answers=answers
        )
        rows.append(
            {
                "id": inquiry.id,
                "department": c.department,
                "service_area": c.service_area,
                "type": c.type,
                "complexity": c.complexity,
                "urgent": c.urgent,
                "action": decision.action,
                "queue": decision.queue,
                "confidence": c.confidence.model_dump(),
                "model_version": c.model_version,
            }
        )
    return rows
