"""Why an operator's action on a queue item is refused: stable codes, parameters, English text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

RefusalCode = Literal[
    "not_found",
    "not_queued",
    "not_in_ledger",
    "claimed",
    "claimed_by_another",
    "not_claimed",
    "resolved",
    "resolved_stays",
    "moved",
    "no_queue",
    "same_queue",
    "reason_missing",
    "reason_too_long",
    "outcome_missing",
    "outcome_too_long",
    "not_relabelable",
    "not_a_label",
    "same_label",
    "changed_meanwhile",
]
REFUSAL_CODES: tuple[RefusalCode, ...] = get_args(RefusalCode)

# The English text is for logs and the ledger's event notes; people read the translation of
# the code (dashboard/i18n.py), so parameters are machine values, never English phrases.
ENGLISH: dict[RefusalCode, str] = {
    "not_found": "no such item in a queue you can see",
    "not_queued": "the inquiry is on no queue",
    "not_in_ledger": "the inquiry is not in this ledger",
    "claimed": "the item is claimed by {who} already",
    "claimed_by_another": "the item is claimed by {who}; only they or a supervisor may {action} it",
    "not_claimed": "the item is not claimed, so there is nothing to release",
    "resolved": "the item is resolved already ({outcome})",
    "resolved_stays": "the item is resolved; a resolved item stays where it was closed",
    "moved": "the item is in {queue} now, not in {expected}",
    "no_queue": "{queue!r} is no queue",
    "same_queue": "the item is in {queue} already",
    "reason_missing": "a reason is needed",
    "reason_too_long": "a reason of at most {limit} characters is needed, not {length}",
    "outcome_missing": "an outcome is needed",
    "outcome_too_long": "an outcome of at most {limit} characters is needed, not {length}",
    "not_relabelable": "{field!r} cannot be re-labelled; type, complexity or urgent",
    "not_a_label": "{value!r} is no {field}; one of {allowed}",
    "same_label": "the item's {field} is {value} already",
    "changed_meanwhile": "the item changed meanwhile",
}


@dataclass(frozen=True)
class Refusal:
    """One reason an action cannot happen: a code and the values its message names."""

    code: RefusalCode
    params: Mapping[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        return ENGLISH[self.code].format(**self.params)
