"""The operators' actions on an item, as form posts: checked, carried out, then a redirect."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from dashboard import sessions
from dashboard.i18n import Translator
from dashboard.relabel import offered
from dashboard.web import (
    Parts,
    login_redirect,
    redirect,
    render,
    safe_next,
    signed_in,
    translator,
)
from models.errors import ActionRefused, BrokerError, LedgerError
from models.labels import SERVICE_AREAS
from queues.accounts import Operator
from queues.actions import MAX_OUTCOME_CHARS, MAX_REASON_CHARS

log = logging.getLogger(__name__)

ACTIONS = ("claim", "release", "transfer", "resolve", "relabel")


def action_routes(parts: Parts) -> APIRouter:
    """POST /items/{inquiry_id}/{claim|release|transfer|resolve|relabel}."""
    router = APIRouter()

    @router.post("/items/{inquiry_id}/{action}", include_in_schema=False)
    async def act(request: Request, inquiry_id: str, action: str) -> Response:
        """Carry out one action; a refusal comes back as a message on the page, never a 500."""
        operator = await signed_in(request, parts)
        if operator is None:
            return login_redirect(request)
        t = translator(request, parts)
        form = await request.form()
        target = safe_next(request, form.get("next"))
        if action not in ACTIONS:
            return _error(request, parts, operator, t("error.page_not_found"), 404)
        if not sessions.csrf_valid(request, form.get("csrf_token")):
            return _error(request, parts, operator, t("error.forbidden"), 403)
        # Someone else's queue is not there at all for this viewer: no hint that it exists.
        visible = await asyncio.to_thread(parts.board.item, viewer=operator, inquiry_id=inquiry_id)
        if visible is None:
            return _error(request, parts, operator, t("error.not_found"), 404)
        problem = _form_problem(action, form, t)
        if problem is not None:
            sessions.flash(request, kind="error", text=problem)
            return redirect(target)
        try:
            done = await _carry_out(parts, operator, inquiry_id, action, form, t)
        except ActionRefused as exc:
            reason = t.refusal(exc.refusal)
            sessions.flash(request, kind="error", text=t("flash.refused", reason=reason))
        except (BrokerError, LedgerError) as exc:
            log.warning("%s of an item failed: %s", action, type(exc).__name__)
            sessions.flash(request, kind="error", text=t("flash.unavailable"))
        else:
            sessions.flash(request, kind="info", text=done)
        return redirect(target)

    return router


def _form_problem(action: str, form: FormData, t: Translator) -> str | None:
    """What is missing or wrong in the form, in the operator's language."""
    if action == "transfer":
        if form.get("to_queue") not in SERVICE_AREAS:
            return t("flash.unknown_queue")
        return _text_problem(form.get("reason"), t("action.reason"), MAX_REASON_CHARS, t)
    if action == "resolve":
        return _text_problem(form.get("outcome"), t("action.outcome"), MAX_OUTCOME_CHARS, t)
    if action == "relabel" and not offered(form.get("field"), form.get("value")):
        return t("flash.unknown_label")
    return None


def _text_problem(value: object, field: str, limit: int, t: Translator) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return t("flash.missing", field=field)
    if len(value.strip()) > limit:
        return t("flash.too_long", field=field, limit=limit)
    return None


async def _carry_out(
    parts: Parts, operator: Operator, inquiry_id: str, action: str, form: FormData, t: Translator
) -> str:
    """Run the action and say what was done."""
    actions = parts.actions
    if action == "claim":
        await actions.claim(operator=operator, inquiry_id=inquiry_id)
        return t("flash.claimed")
    if action == "release":
        await actions.release(operator=operator, inquiry_id=inquiry_id)
        return t("flash.released")
    if action == "transfer":
        to_queue = str(form.get("to_queue"))
        await actions.transfer(
            operator=operator,
            inquiry_id=inquiry_id,
            to_queue=to_queue,  # type: ignore[arg-type]  # checked by _form_problem
            reason=str(form.get("reason")),
        )
        return t("flash.transferred", queue=t.area(to_queue))
    if action == "relabel":
        field, value = str(form.get("field")), str(form.get("value"))
        await actions.relabel(
            operator=operator,
            inquiry_id=inquiry_id,
            field=field,  # type: ignore[arg-type]  # checked by _form_problem
            value=value,
        )
        return t(
            "flash.relabelled", field=t.label("field", field), value=t.label(field, value).lower()
        )
    await actions.resolve(
        operator=operator, inquiry_id=inquiry_id, outcome=str(form.get("outcome"))
    )
    return t("flash.resolved")


def _error(
    request: Request, parts: Parts, operator: Operator, message: str, status_code: int
) -> Response:
    return render(
        request,
        parts,
        "error.html",
        operator=operator,
        message=message,
        detail=None,
        status_code=status_code,
    )
