"""The label space of DOMAIN.md, as code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.classification import Classification
from models.labels import DEPARTMENTS, INQUIRY_TYPES, SERVICE_AREAS, department_of, expected_action


def test_label_space_has_the_sizes_domain_md_gives() -> None:
    assert (len(DEPARTMENTS), len(SERVICE_AREAS), len(INQUIRY_TYPES)) == (6, 28, 8)


def test_every_service_area_belongs_to_a_department() -> None:
    assert {department_of(area) for area in SERVICE_AREAS} == set(DEPARTMENTS)


@pytest.mark.parametrize(
    ("urgent", "complexity", "inquiry_type", "action"),
    [
        (False, "lav", "generel_information", "resolve"),
        (False, "lav", "omstilling", "resolve"),
        (True, "lav", "generel_information", "queue"),
        (False, "mellem", "generel_information", "queue"),
        (False, "lav", "klage", "queue"),
    ],
)
def test_action_follows_the_domain_rule(
    urgent: bool, complexity: str, inquiry_type: str, action: str
) -> None:
    assert (
        expected_action(urgent=urgent, complexity=complexity, inquiry_type=inquiry_type)  # type: ignore[arg-type]
        == action
    )


def test_classification_refuses_a_department_that_does_not_own_the_area(
    make_classification: Callable[..., Classification],
) -> None:
    with pytest.raises(ValueError, match="does not belong to MSO"):
        make_classification(service_area="mtm.miljoe", department="MSO")
