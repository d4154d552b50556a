"""Answers matched to inquiries: fresh wordings find a sourced answer within their area."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from config.catalogue import Catalogue
from config.knowledge import KnowledgeBase, load_knowledge_base
from models.classification import Classification
from models.inquiry import Inquiry
from router.answers import AnswerMatcher
from router.policy import decide, decide_many

# Written for this test, not copied from the knowledge base's example questions:
# (service area, a low-complexity question in a citizen's own words).
FRESH_QUESTIONS = [
    ("mkb.folkeregister", "Vi rykker ind i et rækkehus i Viby næste måned, hvor melder vi det?"),
    ("mkb.folkeregister", "Har man mulighed for at vælge en anden læge når man flytter?"),
    ("mkb.pas_koerekort", "Min datter på 8 år skal have pas, hvad er prisen?"),
    ("mkb.digital_hjaelp", "Hvilke papirer skal jeg tage med når jeg skal oprette MitID?"),
    ("mkb.opkraevning", "Kan jeg betale min gæld til Aarhus Kommune af over nogle måneder?"),
    ("mkb.international", "Which days is ICS West open for visitors?"),
    ("mkb.bibliotek_kultur", "Hvad er telefonnummeret til biblioteket på Dokk1?"),
    ("mkb.sport_fritid", "Hvor kan vores håndboldklub reservere tid i en hal?"),
    ("mbu.pladsanvisning", "Hvornår er sidste frist for at søge vuggestueplads til august?"),
    (
        "mbu.tandpleje",
        "Hvor stort et tilskud giver kommunen, hvis min søn går til privat tandlæge?",
    ),
    ("mbu.sundhedspleje", "Hvor mange gange besøger sundhedsplejersken os efter fødslen?"),
    ("mbu.pladsanvisning", "Hvordan tilmelder jeg min dreng til SFO efter sommerferien?"),
    ("msb.virksomhedsservice", "Hvilke regler er der for at ansætte en ledig med løntilskud?"),
    ("mso.hjemmepleje", "Hvor tit kommer der nogen og gør rent hos min far?"),
    ("mso.hjaelpemidler", "Min mand har brug for en kørestol, hvor ansøger vi?"),
    ("mso.plejebolig", "Er der garanti for, hvornår man får en plejebolig?"),
    ("mtm.byggeri", "Hvor længe er min byggetilladelse gyldig, før jeg skal i gang?"),
    ("mtm.affald", "Hvordan kommer jeg af med et gammelt køleskab og en madras som storskrald?"),
    ("mtm.veje_parkering", "Jeg har fået en parkeringsafgift som jeg er uenig i, hvad gør jeg?"),
    ("mtm.veje_parkering", "Skal jeg selv salte fortovet foran mit hus om vinteren?"),
    ("mtm.miljoe", "Hvordan anmelder jeg at der er rotter under terrassen?"),
    (
        "ba.koerselskontoret",
        "Hvor tidligt skal jeg give besked hvis mit barn ikke skal køres på fredag?",
    ),
    ("ba.byraadsservice", "Hvordan beder jeg om aktindsigt i en sag?"),
    ("ba.erhverv", "Hvordan opretter jeg et CVR-nummer til min nye enkeltmandsvirksomhed?"),
]

# Questions about something the area's knowledge base does not cover.
UNCOVERED_QUESTIONS = [
    ("mtm.veje_parkering", "Der er et dybt hul i asfalten ud for nummer 12 på Vestergade"),
    ("mkb.opkraevning", "Kan jeg få nedsat ejendomsskatten efter en oversvømmelse?"),
    ("mbu.skole", "Min søn bliver drillet i frikvarteret, hvad gør lærerne ved det?"),
]


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def matcher(knowledge: KnowledgeBase) -> AnswerMatcher:
    return AnswerMatcher(knowledge)


def test_fresh_questions_cover_at_least_twelve_areas() -> None:
    assert len(FRESH_QUESTIONS) >= 20
    assert len({area for area, _ in FRESH_QUESTIONS}) >= 12


def test_most_fresh_questions_get_an_answer_with_a_link_or_phone(matcher: AnswerMatcher) -> None:
    answers = matcher.match_many(
        [q for _, q in FRESH_QUESTIONS], service_areas=[a for a, _ in FRESH_QUESTIONS]
    )
    for (area, question), answer in zip(FRESH_QUESTIONS, answers, strict=True):
        shown = f"{answer.match_score:.2f} {answer.source_id}" if answer else "None"
        print(f"{area:24s} {shown:55s} {question}")
    answered = [a for a in answers if a is not None and (a.link or a.phone)]
    share = len(answered) / len(FRESH_QUESTIONS)
    print(f"matched with a link or phone: {len(answered)}/{len(FRESH_QUESTIONS)} = {share:.0%}")
    assert share >= 0.8


def test_an_answer_comes_from_the_asked_area_and_carries_its_entry_and_score(
    matcher: AnswerMatcher,
) -> None:
    answer = matcher.match(
        text="Hvordan anmelder jeg at der er rotter under terrassen?", service_area="mtm.miljoe"
    )
    assert answer is not None
    assert answer.source_id is not None and answer.source_id.startswith("mtm.miljoe.")
    assert answer.match_score is not None and 0.35 <= answer.match_score <= 1.0
    assert answer.spoken and "http" not in answer.spoken


def test_a_question_about_something_else_in_the_area_gets_no_answer(
    matcher: AnswerMatcher,
) -> None:
    for area, question in UNCOVERED_QUESTIONS:
        found = matcher.best(text=question, service_area=area)
        assert found.score < matcher.min_score, (area, question, found.score)
        assert matcher.match(text=question, service_area=area) is None


def test_matching_is_confined_to_the_classified_area(matcher: AnswerMatcher) -> None:
    question = "Hvordan anmelder jeg at der er rotter under terrassen?"
    answer = matcher.match(text=question, service_area="mbu.skole")
    assert answer is None or not (answer.source_id or "").startswith("mtm.miljoe")


def test_match_many_needs_one_area_per_text(matcher: AnswerMatcher) -> None:
    with pytest.raises(ValueError, match="same length"):
        matcher.match_many(["a", "b"], service_areas=["mtm.affald"])


def test_min_score_outside_zero_to_one_is_refused(knowledge: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match=r"min_score must be in 0\.\.1"):
        AnswerMatcher(knowledge, min_score=1.5)


def test_decide_with_a_matcher_resolves_with_the_matched_answer(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    matcher: AnswerMatcher,
    now: datetime,
) -> None:
    inquiry = make_inquiry(text="Skal jeg selv salte fortovet foran mit hus om vinteren?")
    c = make_classification(service_area="mtm.veje_parkering", type="generel_information")
    decision = decide(
        inquiry=inquiry, classification=c, catalogue=catalogue, now=now, answers=matcher
    )
    assert decision.action == "resolve"
    assert decision.answer is not None
    assert decision.answer.source_id == "mtm.veje_parkering.snerydning"


def test_decide_with_a_matcher_queues_when_nothing_matches_well_enough(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    matcher: AnswerMatcher,
    now: datetime,
) -> None:
    inquiry = make_inquiry(text="Der er et dybt hul i asfalten ud for nummer 12 på Vestergade")
    c = make_classification(service_area="mtm.veje_parkering", type="generel_information")
    decision = decide(
        inquiry=inquiry, classification=c, catalogue=catalogue, now=now, answers=matcher
    )
    assert (decision.action, decision.queue) == ("queue", "mtm.veje_parkering")
    assert decision.reason.startswith("no answer matched well enough (best 0.")


def test_decide_with_a_matcher_resolves_omstilling_with_the_areas_phone(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    matcher: AnswerMatcher,
    now: datetime,
) -> None:
    inquiry = make_inquiry(text="Kan du stille mig om til nogen der ved noget om kørsel?")
    c = make_classification(service_area="ba.koerselskontoret", type="omstilling")
    decision = decide(
        inquiry=inquiry, classification=c, catalogue=catalogue, now=now, answers=matcher
    )
    assert decision.action == "resolve"
    assert decision.answer is not None
    assert decision.answer.phone == catalogue.area("ba.koerselskontoret").contact.phone


def test_deciding_a_batch_matches_answers_once_and_decides_as_one_at_a_time(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    matcher: AnswerMatcher,
    now: datetime,
) -> None:
    classified = [
        (make_inquiry(text=question), make_classification(service_area=area))
        for area, question in FRESH_QUESTIONS + UNCOVERED_QUESTIONS
    ]
    classified += [
        (
            make_inquiry(text="Kan du stille mig om til kørselskontoret?"),
            make_classification(service_area="ba.koerselskontoret", type="omstilling"),
        ),
        (
            make_inquiry(text="Hvordan anmelder jeg rotter?"),
            make_classification(service_area="mtm.miljoe", confidence={"service_area": 0.1}),
        ),
        (
            make_inquiry(text="Jeg vil klage over skraldemanden"),
            make_classification(service_area="mtm.affald", type="klage"),
        ),
    ]
    one_at_a_time = [
        decide(inquiry=i, classification=c, catalogue=catalogue, now=now, answers=matcher)
        for i, c in classified
    ]
    batch = decide_many(classified=classified, catalogue=catalogue, now=now, answers=matcher)
    assert batch == one_at_a_time
    assert {d.action for d in batch} == {"resolve", "queue"}
