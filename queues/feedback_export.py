"""Operators' corrections in the ledger as redacted, labelled training records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from classifiers.dataset import LabelledInquiry, Labels, write_labelled
from classifiers.redaction import redact
from ledger.schema import DecisionRow, InquiryRow, QueueEventRow
from ledger.transactions import transaction
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.labels import department_of, expected_action
from models.wire import decode

ID_PREFIX = "feedback-"


def corrected_records(*, engine: Engine) -> list[LabelledInquiry]:
    """One record per corrected inquiry: the router's labels with every correction applied."""
    with transaction(sessionmaker(engine, expire_on_commit=False)) as session:
        events = session.execute(
            select(QueueEventRow.inquiry_id, QueueEventRow.event)
            .where(QueueEventRow.kind.in_(("transferred", "relabelled")), QueueEventRow.applied)
            .order_by(QueueEventRow.at, QueueEventRow.event_id)
        ).all()
        corrections: dict[str, list[dict[str, Any]]] = {}
        for inquiry_id, event in events:
            corrections.setdefault(inquiry_id, []).append(event)
        rows = session.execute(
            select(DecisionRow, InquiryRow.envelope, InquiryRow.redacted_text)
            .join(InquiryRow, InquiryRow.id == DecisionRow.inquiry_id)
            .where(DecisionRow.inquiry_id.in_(list(corrections)))
            .order_by(DecisionRow.inquiry_id)
        ).all()
    records = []
    for decision, envelope, redacted_text in rows:
        router = {
            "service_area": decision.service_area,
            "type": decision.type,
            "complexity": decision.complexity,
            "urgent": decision.urgent,
        }
        labels = _corrected(router, corrections[decision.inquiry_id])
        if labels == router:
            continue  # corrected and corrected back: nothing new to learn
        inquiry: Inquiry = decode("inquiry", envelope)
        routed = RoutingDecision.model_validate(decision.decision)
        language = inquiry.language or routed.classification.language
        records.append(
            LabelledInquiry(
                id=f"{ID_PREFIX}{inquiry.id}",
                channel=inquiry.channel,
                sender=inquiry.sender,
                # Never the clear text: the worker's redaction, or one made now.
                subject=redact(inquiry.subject),
                text=redacted_text if redacted_text is not None else redact(inquiry.text),
                # The training schema knows Danish and English; other languages train as Danish.
                lang="en" if language == "en" else "da",
                labels=Labels(
                    department=department_of(labels["service_area"]),
                    action=expected_action(
                        urgent=labels["urgent"],
                        complexity=labels["complexity"],
                        inquiry_type=labels["type"],
                    ),
                    **labels,
                ),
            )
        )
    return records


def export_corrections(*, engine: Engine, path: Path) -> int:
    """Write the corrected records as JSON lines to path; return how many there are."""
    records = corrected_records(engine=engine)
    write_labelled(records, path)
    return len(records)


def _corrected(labels: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    corrected = dict(labels)
    for event in events:
        if event["kind"] == "transferred":
            corrected["service_area"] = event["to_queue"]
        elif event["field"] == "urgent":
            corrected["urgent"] = event["value"] == "true"
        else:
            corrected[event["field"]] = event["value"]
    return corrected
