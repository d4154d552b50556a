"""An inquiry mix for load that follows the city's real volumes per entry (DOMAIN.md, 2024)."""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from models.inquiry import Inquiry, new_inquiry_id

REPO = Path(__file__).resolve().parents[1]
DATA_GLOBS = ("data/labelled/*.jsonl", "data/authored/*.jsonl")

# Calls or mails a year per mapped entry (DOMAIN.md, "Largest mapped entries"), spread over the
# service areas that entry answers for. Borgerservice's main number and front desk answer for
# five areas and MTM's main number and mailbox for four; their volume is split evenly.
ENTRY_VOLUMES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        216_505 + 75_117,
        (
            "mkb.pas_koerekort",
            "mkb.folkeregister",
            "mkb.digital_hjaelp",
            "mkb.international",
            "mkb.generel",
        ),
    ),
    (16_056, ("mkb.opkraevning",)),
    (44_700, ("ba.koerselskontoret",)),
    (2_250, ("ba.byraadsservice",)),
    (40_398, ("mso.sundhed_omsorgslinjen",)),
    (24_480 + 14_000, ("mtm.byggeri", "mtm.affald", "mtm.veje_parkering", "mtm.natur")),
    (10_000 + 3_285, ("mtm.miljoe",)),
    (22_394 + 16_090 + 13_500, ("msb.jobcenter",)),
    (18_000 + 12_060, ("msb.virksomhedsservice",)),
    (13_596, ("mbu.tandpleje",)),
)
# Areas without a mapped entry still get inquiries: an assumption, not a figure from the city.
UNMAPPED_AREA_VOLUME = 2_000


def area_weights(areas: set[str]) -> dict[str, float]:
    """Yearly volume per service area among those that have texts."""
    weights: dict[str, float] = defaultdict(float)
    for volume, entry_areas in ENTRY_VOLUMES:
        for area in entry_areas:
            weights[area] += volume / len(entry_areas)
    return {area: weights.get(area, UNMAPPED_AREA_VOLUME) for area in sorted(areas)}


def texts_by_area(repo: Path = REPO) -> dict[str, list[Inquiry]]:
    """Labelled inquiries per service area from the repository's data (never the held-out file)."""
    from classifiers.dataset import load_labelled
    from models.errors import ClassifierError

    by_area: dict[str, list[Inquiry]] = defaultdict(list)
    for pattern in DATA_GLOBS:
        for path in sorted(repo.glob(pattern)):
            try:
                records = load_labelled([path])
            except ClassifierError as exc:
                print(f"skipping {path}: {exc}", file=sys.stderr)
                continue
            for record in records:
                by_area[record.labels.service_area].append(record.to_inquiry())
    if not by_area:
        raise SystemExit(f"no labelled inquiries under {repo}")
    return dict(by_area)


def inquiry_stream(*, seed: int = 20261121, repo: Path = REPO) -> Iterator[Inquiry]:
    """Endless fresh inquiries (new ids) drawn by area weight, then uniformly within the area."""
    by_area = texts_by_area(repo)
    weights = area_weights(set(by_area))
    areas = list(weights)
    cumulative = list(weights.values())
    rng = random.Random(seed)
    while True:
        [area] = rng.choices(areas, weights=cumulative)
        template = rng.choice(by_area[area])
        yield template.model_copy(update={"id": new_inquiry_id()})
