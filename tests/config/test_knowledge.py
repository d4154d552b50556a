"""The shipped knowledge base is complete and sourced, and a broken one stops start-up."""

from __future__ import annotations

import re
from typing import Any

import pytest

from config.catalogue import load_catalogue
from config.knowledge import KNOWLEDGE_FILE, KnowledgeBase, load_knowledge_base
from models.errors import ConfigError
from models.labels import SERVICE_AREAS
from tests.config.conftest import EditCatalogue

# A Danish phone number as written in answers: "89 40 20 00", "8940 6467", "+45 24 59 46 50".
_PHONE_IN_TEXT = re.compile(r"(?<![\d.,])(?:\+45 )?\d{2} ?\d{2} ?\d{2} ?\d{2}(?![\d.,])")


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    """The knowledge base as shipped in config/data."""
    return load_knowledge_base()


def _digits(phone: str) -> str:
    return phone.replace(" ", "").removeprefix("+45")


def test_shipped_knowledge_base_loads_with_120_to_200_entries(knowledge: KnowledgeBase) -> None:
    assert 120 <= len(knowledge.entries) <= 200


def test_every_service_area_has_at_least_two_answers(knowledge: KnowledgeBase) -> None:
    for area in SERVICE_AREAS:
        assert len(knowledge.for_area(area)) >= 2, area


def test_every_entry_has_danish_and_english_phrasings_and_a_way_onward(
    knowledge: KnowledgeBase,
) -> None:
    for entry in knowledge.entries.values():
        assert 5 <= len(entry.questions) <= 12, entry.id
        assert entry.id.startswith(entry.service_area + "."), entry.id
        assert entry.answer != entry.answer_en, entry.id


def test_every_phone_number_in_the_knowledge_base_is_in_the_catalogue_facts(
    knowledge: KnowledgeBase, facts: str
) -> None:
    known = facts.replace(" ", "")
    for entry in knowledge.entries.values():
        phones = [entry.phone] if entry.phone else []
        for text in (entry.answer, entry.answer_en, entry.spoken):
            phones += _PHONE_IN_TEXT.findall(text)
        for phone in phones:
            assert _digits(phone) in known, f"{entry.id}: {phone}"


def test_every_link_is_a_sourced_url(knowledge: KnowledgeBase) -> None:
    catalogue = load_catalogue()
    sourced = set(catalogue.sources.values()) | {
        str(link.url) for area in catalogue.service_areas.values() for link in area.links
    }
    for entry in knowledge.entries.values():
        if entry.link is not None:
            assert entry.link in sourced or entry.link + "/" in sourced, entry.id


def test_every_cited_source_is_in_sources_yaml(knowledge: KnowledgeBase) -> None:
    sources = load_catalogue().sources
    for entry in knowledge.entries.values():
        assert all(key in sources for key in entry.sources), entry.id


def test_spoken_answers_hold_no_url(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries.values():
        assert "http" not in entry.spoken and "www." not in entry.spoken, entry.id


def test_unknown_source_key_stops_loading_naming_file_and_key(
    edit_catalogue: EditCatalogue,
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["mkb.folkeregister.meld-flytning"]["sources"] = ["S999"]

    directory = edit_catalogue(KNOWLEDGE_FILE, change)
    with pytest.raises(
        ConfigError, match=r"knowledge_base\.yaml: mkb\.folkeregister\.meld-flytning\.sources: S999"
    ):
        load_knowledge_base(directory)


def test_unknown_service_area_stops_loading_naming_file_and_key(
    edit_catalogue: EditCatalogue,
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["mtm.affald.toemmekalender"]["service_area"] = "mtm.kloak"

    directory = edit_catalogue(KNOWLEDGE_FILE, change)
    with pytest.raises(
        ConfigError, match=r"knowledge_base\.yaml: mtm\.affald\.toemmekalender\.service_area"
    ):
        load_knowledge_base(directory)


def test_unsourced_link_stops_loading_naming_file_and_key(edit_catalogue: EditCatalogue) -> None:
    def change(data: dict[str, Any]) -> None:
        data["mtm.affald.toemmekalender"]["link"] = "https://example.org/invented"

    directory = edit_catalogue(KNOWLEDGE_FILE, change)
    with pytest.raises(
        ConfigError,
        match=r"knowledge_base\.yaml: mtm\.affald\.toemmekalender\.link: .* not a sourced URL",
    ):
        load_knowledge_base(directory)


def test_spoken_answer_with_a_url_stops_loading(edit_catalogue: EditCatalogue) -> None:
    def change(data: dict[str, Any]) -> None:
        data["mtm.affald.toemmekalender"]["spoken"] = "Se https://www.kredslob.dk"

    directory = edit_catalogue(KNOWLEDGE_FILE, change)
    with pytest.raises(ConfigError, match=r"toemmekalender\.spoken: .*must not contain a URL"):
        load_knowledge_base(directory)
