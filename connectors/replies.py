"""What a bot says after a decision: the answer, or the transfer target from the catalogue."""

from __future__ import annotations

from config.catalogue import WEEKDAYS, Catalogue
from connectors.api_models import BotReply, Transfer
from models.decision import RoutingDecision


def bot_reply(*, decision: RoutingDecision, catalogue: Catalogue) -> BotReply:
    """The reply for a decision; phone numbers and hours only ever come from the catalogue."""
    if decision.answer is not None:
        answer = decision.answer
        return BotReply(
            action=decision.action,
            text=answer.text,
            spoken=answer.spoken or answer.text,
            link=answer.link,
            phone=answer.phone,
        )
    area = catalogue.area(decision.queue)
    department = catalogue.departments[area.department]
    contact = area.contact
    hours = contact.phone_hours
    phone_hours = {d: getattr(hours, d) for d in WEEKDAYS if getattr(hours, d)} if hours else None
    transfer = Transfer(
        queue=decision.queue,
        queue_name=area.name,
        department=area.department,
        department_name=department.name,
        phone=contact.phone,
        phone_is_general=contact.phone_is_general,
        phone_hours=phone_hours,
        opens_at=decision.queue_opens_at,
        due_at=decision.due_at,
    )
    text = f"Din henvendelse er sendt videre til {area.name} ({department.name})."
    if contact.phone:
        spoken = f"Jeg stiller dig videre til {area.name} på {contact.phone}."
    else:
        spoken = f"Jeg sender din henvendelse videre til {area.name}, som vender tilbage til dig."
    return BotReply(
        action=decision.action, text=text, spoken=spoken, phone=contact.phone, transfer=transfer
    )
