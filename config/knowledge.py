"""The knowledge base: sourced answers to frequent low-complexity questions, validated at start-up.

Each entry belongs to one service area and carries example phrasings (what the answer matcher
compares an inquiry with), a Danish and an English answer, a short spoken variant for the
voicebot, an optional link and phone, and the source keys its facts come from. The loader
refuses an entry whose area is outside the label space, whose source key is not in
sources.yaml, or whose link is not a sourced URL (sources.yaml or a catalogue link).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, TypeAdapter, field_validator

from config.catalogue import (
    DEFAULT_CATALOGUE_DIR,
    PhoneNumber,
    _mapping,
    _read_yaml,
    _validate,
    load_catalogue,
)
from models.errors import ConfigError
from models.labels import ServiceArea

KNOWLEDGE_FILE = "knowledge_base.yaml"
_URL = TypeAdapter(HttpUrl)


class KnowledgeEntry(BaseModel):
    """One answer to one frequent question of one service area."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z]+\.[a-z_]+\.[a-z0-9-]+$")
    service_area: ServiceArea
    questions: list[str] = Field(min_length=4, max_length=12)
    answer: str = Field(min_length=1)
    answer_en: str = Field(min_length=1)
    spoken: str = Field(min_length=1)
    link: str | None = Field(default=None, pattern=r"^https?://\S+$")
    phone: PhoneNumber | None = None
    sources: list[str] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: list[str]) -> list[str]:
        if any(not q.strip() for q in value):
            raise ValueError("a question phrasing must not be empty")
        return value

    @field_validator("spoken")
    @classmethod
    def _speakable(cls, value: str) -> str:
        if "http" in value or "www." in value:
            raise ValueError("the spoken answer must not contain a URL")
        return value

    @field_validator("sources")
    @classmethod
    def _source_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not re.fullmatch(r"S\d+", key):
                raise ValueError(f"{key!r} is not a source key like 'S6'")
        return value


class KnowledgeBase(BaseModel):
    """All entries by id, in file order."""

    model_config = ConfigDict(frozen=True)

    entries: dict[str, KnowledgeEntry]

    def for_area(self, service_area: str) -> list[KnowledgeEntry]:
        """The entries of one service area."""
        return [e for e in self.entries.values() if e.service_area == service_area]

    def areas(self) -> set[str]:
        """The service areas with at least one entry."""
        return {e.service_area for e in self.entries.values()}


def _normal_url(url: str) -> str:
    return str(_URL.validate_python(url))


def load_knowledge_base(directory: Path | None = None) -> KnowledgeBase:
    """Load knowledge_base.yaml and cross-check it; raise ConfigError naming file and key."""
    root = directory or DEFAULT_CATALOGUE_DIR
    path = root / KNOWLEDGE_FILE
    catalogue = load_catalogue(root)
    known_urls = {_normal_url(url) for url in catalogue.sources.values()}
    known_urls |= {
        str(link.url) for area in catalogue.service_areas.values() for link in area.links
    }

    raw: dict[str, Any] = _mapping(path, _read_yaml(path))
    entries: dict[str, KnowledgeEntry] = {}
    for key, value in raw.items():
        entry = _validate(path, KnowledgeEntry, {"id": key, **_mapping(path, value, key)}, key)
        if not entry.id.startswith(f"{entry.service_area}."):
            raise ConfigError(f"{path}: {key}.id: must start with its service area")
        for ref in entry.sources:
            if ref not in catalogue.sources:
                raise ConfigError(f"{path}: {key}.sources: {ref} is not in sources.yaml")
        if entry.link is not None and _normal_url(entry.link) not in known_urls:
            raise ConfigError(
                f"{path}: {key}.link: {entry.link} is not a sourced URL "
                "(sources.yaml or a service_areas.yaml link)"
            )
        entries[entry.id] = entry
    if not entries:
        raise ConfigError(f"{path}: top level: no entries")
    return KnowledgeBase(entries=entries)
