"""The first routing policy: resolve only the safe, confident, simple questions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from config.catalogue import Catalogue
from models.classification import Classification
from models.inquiry import Inquiry
from models.labels import ServiceArea
from router.policy import decide

CPH = ZoneInfo("Europe/Copenhagen")


def test_a_confident_simple_question_is_resolved_with_a_phone_or_link(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(service_area="mtm.affald", type="hjaelp_til_selvbetjening")
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert decision.action == "resolve"
    assert decision.answer is not None and (decision.answer.link or decision.answer.phone)


def test_omstilling_resolves_with_the_queues_phone_number(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(service_area="ba.koerselskontoret", type="omstilling")
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert decision.answer is not None
    assert decision.answer.phone == catalogue.area("ba.koerselskontoret").contact.phone


def test_an_urgent_inquiry_is_queued_at_the_top_and_due_now(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(service_area="msb.handicap_social", type="indberetning", urgent=True)
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert (decision.action, decision.priority, decision.due_at) == ("queue", 0, now)


def test_an_uncertain_service_area_goes_to_a_person_at_the_general_entrance(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(service_area="mtm.byggeri", confidence={"service_area": 0.1})
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert (decision.action, decision.queue) == ("queue", "mkb.generel")
    assert "uncertain" in decision.reason


def test_an_abandoned_call_is_queued_for_a_call_back_at_the_general_entrance(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    # Even a confident, resolvable classification: nobody is on the line to hear an answer.
    c = make_classification(service_area="mtm.affald", type="hjaelp_til_selvbetjening")
    inquiry = make_inquiry(channel="phone", source={"call_id": "c-1", "abandoned": True})
    decision = decide(inquiry=inquiry, classification=c, catalogue=catalogue, now=now)
    assert (decision.action, decision.queue) == ("queue", "mkb.generel")
    assert "abandoned" in decision.reason


def test_low_type_confidence_blocks_resolving(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(service_area="mtm.affald", confidence={"type": 0.2})
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert (decision.action, decision.queue) == ("queue", "mtm.affald")
    assert "confidence too low" in decision.reason


def test_access_to_documents_is_due_within_its_legal_deadline(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(
        service_area="ba.byraadsservice", type="ansoegning", complexity="mellem"
    )
    inquiry = make_inquiry(received_at=now)
    decision = decide(inquiry=inquiry, classification=c, catalogue=catalogue, now=now)
    assert decision.action == "queue"
    assert decision.priority == catalogue.policy.priorities.legal_deadline
    assert decision.due_at is not None and decision.due_at - now <= timedelta(days=11)


def test_a_complaint_is_queued_with_complaint_priority(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(service_area="mtm.veje_parkering", type="klage")
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert (decision.action, decision.priority) == ("queue", catalogue.policy.priorities.complaint)


def test_a_queued_inquiry_on_saturday_waits_for_monday_and_is_due_at_close_of_business(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
) -> None:
    cph = ZoneInfo("Europe/Copenhagen")
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=cph)
    c = make_classification(service_area="mtm.byggeri", type="ansoegning", complexity="mellem")
    inquiry = make_inquiry(received_at=saturday)
    decision = decide(inquiry=inquiry, classification=c, catalogue=catalogue, now=saturday)
    assert decision.action == "queue"
    assert decision.queue_opens_at == datetime(2026, 11, 23, 8, 0, tzinfo=cph)
    # 5 working days counted from Monday's opening: by close of business the Monday after.
    assert decision.due_at == datetime(2026, 11, 30, 15, 30, tzinfo=cph)


def _with_deadline(catalogue: Catalogue, area: ServiceArea, working_days: int) -> Catalogue:
    entry = catalogue.area(area).model_copy(update={"response_deadline_working_days": working_days})
    return catalogue.model_copy(update={"service_areas": {**catalogue.service_areas, area: entry}})


def test_the_deadline_counts_from_when_the_citizen_wrote(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
) -> None:
    three_days = _with_deadline(catalogue, "mtm.byggeri", 3)
    c = make_classification(service_area="mtm.byggeri", type="ansoegning", complexity="mellem")
    # Written on Wednesday, routed only on Friday (an outage): two working days already gone.
    wednesday = datetime(2026, 11, 18, 10, 0, tzinfo=CPH)
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=CPH)
    inquiry = make_inquiry(received_at=wednesday)
    decision = decide(inquiry=inquiry, classification=c, catalogue=three_days, now=friday)
    # Due in one working day: close of business on Monday, not on Wednesday the week after.
    assert decision.due_at == datetime(2026, 11, 23, 15, 30, tzinfo=CPH)
    assert decision.decided_at == friday


def test_a_legal_deadline_counts_from_when_the_citizen_wrote_too(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    # A report about a child must be assessed within 24 hours of when it was made.
    c = make_classification(
        service_area="msb.handicap_social", type="indberetning", complexity="mellem"
    )
    week_old = make_inquiry(received_at=now - timedelta(days=7))
    decision = decide(inquiry=week_old, classification=c, catalogue=catalogue, now=now)
    assert decision.due_at == now - timedelta(days=6)


def test_a_received_at_ahead_of_the_router_s_clock_counts_from_now(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    # A client's clock a few minutes fast must not move the due time later.
    c = make_classification(service_area="mtm.byggeri", type="ansoegning", complexity="mellem")
    ahead = make_inquiry(received_at=now + timedelta(hours=20))
    at_arrival = make_inquiry(received_at=now)
    assert (
        decide(inquiry=ahead, classification=c, catalogue=catalogue, now=now).due_at
        == decide(inquiry=at_arrival, classification=c, catalogue=catalogue, now=now).due_at
    )


def test_a_queue_that_is_open_carries_no_opening_time(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(service_area="mtm.byggeri", type="ansoegning", complexity="mellem")
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert decision.queue_opens_at is None


def test_a_transport_change_is_queued_with_the_offices_cutoff_in_the_reason(
    make_inquiry: Callable[..., Inquiry],
    make_classification: Callable[..., Classification],
    catalogue: Catalogue,
    now: datetime,
) -> None:
    c = make_classification(
        service_area="ba.koerselskontoret", type="indberetning", complexity="mellem"
    )
    decision = decide(inquiry=make_inquiry(), classification=c, catalogue=catalogue, now=now)
    assert decision.action == "queue"
    assert "by 12:00 the working day before" in decision.reason
