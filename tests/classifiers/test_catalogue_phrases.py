"""The catalogue's and knowledge base's phrases that the area head learns from."""

from __future__ import annotations

from classifiers.catalogue_phrases import AreaPhrase, catalogue_phrases, phrases_hash
from config.knowledge import load_knowledge_base
from models.labels import SERVICE_AREAS


def test_every_service_area_has_its_name_and_description_among_the_phrases() -> None:
    phrases = catalogue_phrases()
    assert {p.service_area for p in phrases} == set(SERVICE_AREAS)
    assert (
        AreaPhrase(
            text=next(p.text for p in phrases if p.text.startswith("Pladsanvisningen.")),
            service_area="mbu.pladsanvisning",
        )
        in phrases
    )


def test_every_knowledge_base_question_is_a_phrase_of_its_area() -> None:
    phrases = set(catalogue_phrases())
    for entry in load_knowledge_base().entries.values():
        for question in entry.questions:
            assert AreaPhrase(text=question, service_area=entry.service_area) in phrases


def test_the_phrases_hash_ignores_order_but_not_content() -> None:
    a = AreaPhrase(text="beboerlicens", service_area="mtm.veje_parkering")
    b = AreaPhrase(text="tømmekalender", service_area="mtm.affald")
    moved = AreaPhrase(text="tømmekalender", service_area="mtm.miljoe")
    assert phrases_hash([a, b]) == phrases_hash([b, a])
    assert phrases_hash([a, b]) != phrases_hash([a, moved])
