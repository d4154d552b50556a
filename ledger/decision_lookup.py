"""Decisions of many inquiries in one query: what synchronous webhook requests wait for."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from ledger.schema import DecisionRow
from ledger.transactions import transaction
from models.decision import RoutingDecision


class DecisionLookup:
    """Reads standing decisions by inquiry id."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def decided(self, *, inquiry_ids: Collection[str]) -> dict[str, RoutingDecision]:
        """The decisions made so far among `inquiry_ids`, by inquiry id."""
        if not inquiry_ids:
            return {}
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(DecisionRow.inquiry_id, DecisionRow.decision).where(
                    DecisionRow.inquiry_id.in_(list(inquiry_ids))
                )
            ).all()
        return {i: RoutingDecision.model_validate(d) for i, d in rows}
