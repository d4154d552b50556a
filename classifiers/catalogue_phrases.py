"""The service catalogue's and knowledge base's own words, as extra lines for the area head."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from config.catalogue import load_catalogue
from config.knowledge import load_knowledge_base
from models.labels import ServiceArea


@dataclass(frozen=True)
class AreaPhrase:
    """A phrase known to belong to one service area, with no other label."""

    text: str
    service_area: ServiceArea


def catalogue_phrases(directory: Path | None = None) -> list[AreaPhrase]:
    """Each area's name and description, and each knowledge-base question and answer."""
    # These carry the official names and compounds public pages use ("beboerlicens",
    # "Digital Pladsanvisning") that hand-written inquiries rarely do. They say nothing about
    # type, complexity or urgency, so only the area head learns from them (data/README.md).
    catalogue = load_catalogue(directory)
    phrases = [
        AreaPhrase(text=f"{area.name}. {area.description}", service_area=area.id)
        for area in catalogue.service_areas.values()
    ]
    for entry in load_knowledge_base(directory).entries.values():
        phrases += [AreaPhrase(text=q, service_area=entry.service_area) for q in entry.questions]
        phrases.append(
            AreaPhrase(text=" ".join(entry.answer.split()), service_area=entry.service_area)
        )
    return phrases


def phrases_hash(phrases: Sequence[AreaPhrase]) -> str:
    """Return a SHA-256 over the phrases, independent of their order."""
    lines = sorted(f"{p.service_area}\t{p.text}" for p in phrases)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
