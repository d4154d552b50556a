"""The re-label form's options: each field with its values from the label space, in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from dashboard.i18n import Translator
from queues.actions import RELABEL_VALUES, RelabelField
from queues.board import QueueItemView

RELABEL_FIELDS: tuple[RelabelField, ...] = get_args(RelabelField)


@dataclass(frozen=True)
class RelabelChoice:
    """One field an operator may correct: its name, its values, and the item's current one."""

    field: RelabelField
    name: str
    options: list[tuple[str, str]]
    current: str


def current_label(item: QueueItemView, field: RelabelField) -> str:
    """The item's value of a field as the label space writes it."""
    if field == "urgent":
        return "true" if item.urgent else "false"
    return item.type if field == "type" else item.complexity


def relabel_choices(item: QueueItemView, *, t: Translator) -> list[RelabelChoice]:
    """Type, complexity and urgency with every allowed value, the current one marked."""
    return [
        RelabelChoice(
            field=field,
            name=t(f"relabel.{field}"),
            options=[(value, t.label(field, value)) for value in RELABEL_VALUES[field]],
            current=current_label(item, field),
        )
        for field in RELABEL_FIELDS
    ]


def offered(field: object, value: object) -> bool:
    """True when a posted field and value are ones the form offers."""
    return field in RELABEL_FIELDS and value in RELABEL_VALUES[str(field)]
