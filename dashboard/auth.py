"""Signing in and out, and the language switch: the routes that set up a session."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from dashboard import sessions
from dashboard.i18n import LANGUAGES, as_lang
from dashboard.web import Parts, base_path, redirect, render, safe_next, signed_in, translator
from queues.accounts import MAX_PASSWORD_CHARS


def auth_routes(parts: Parts) -> APIRouter:
    """GET/POST /login, POST /logout and POST /language."""
    router = APIRouter()

    @router.get("/login", include_in_schema=False)
    async def login_page(request: Request) -> Response:
        """The login form; a signed-in operator goes straight on."""
        target = safe_next(request, request.query_params.get("next"))
        if await signed_in(request, parts) is not None:
            return redirect(target)
        return render(request, parts, "login.html", operator=None, next=target, error=None)

    @router.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        """Check the password; on success a fresh session, on failure the form again."""
        form = await request.form()
        target = safe_next(request, form.get("next"))
        t = translator(request, parts)
        if not sessions.csrf_valid(request, form.get("csrf_token")):
            return render(
                request,
                parts,
                "login.html",
                operator=None,
                next=target,
                error=t("flash.stale_form"),
                status_code=403,
            )
        username = form.get("username")
        password = form.get("password")
        name = username if isinstance(username, str) and username.strip() else None
        if name is not None:
            until = await asyncio.to_thread(parts.throttle.locked_until, username=name)
            if until is not None:
                return _locked(request, parts, target=target, username=name, until=until)
        operator = None
        if (
            name is not None
            and isinstance(password, str)
            and 0 < len(password) <= MAX_PASSWORD_CHARS
        ):
            # argon2 takes a while on purpose; keep the event loop free meanwhile.
            operator = await asyncio.to_thread(
                parts.accounts.authenticate, username=name, password=password
            )
        if operator is None:
            if name is not None:
                until = await asyncio.to_thread(parts.throttle.failed, username=name)
                if until is not None:
                    return _locked(request, parts, target=target, username=name, until=until)
            return render(
                request,
                parts,
                "login.html",
                operator=None,
                next=target,
                error=t("login.failed"),
                username=username if isinstance(username, str) else "",
                status_code=401,
            )
        await asyncio.to_thread(parts.throttle.succeeded, username=name or operator.username)
        sessions.sign_in(request, user=operator.username)
        return redirect(target)

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        """End the session (only with the session's own form, so no one can log you out)."""
        form = await request.form()
        t = translator(request, parts)
        if not sessions.csrf_valid(request, form.get("csrf_token")):
            sessions.flash(request, kind="error", text=t("flash.stale_form"))
            return redirect(safe_next(request, None))
        sessions.sign_out(request)
        sessions.flash(request, kind="info", text=t("login.logged_out"))
        return redirect(f"{base_path(request)}/login")

    @router.post("/language", include_in_schema=False)
    async def language(request: Request) -> Response:
        """Switch between Danish and English and go back to the page."""
        form = await request.form()
        target = safe_next(request, form.get("next"))
        if sessions.csrf_valid(request, form.get("csrf_token")):
            chosen = form.get("lang")
            if chosen in LANGUAGES:
                sessions.set_language(request, as_lang(chosen))
        else:
            t = translator(request, parts)
            sessions.flash(request, kind="error", text=t("flash.stale_form"))
        return redirect(target)

    return router


def _locked(
    request: Request, parts: Parts, *, target: str, username: str, until: datetime
) -> Response:
    """429 with the time left, in the session's language; no password is checked meanwhile."""
    seconds = max(1, math.ceil((until - datetime.now(UTC)).total_seconds()))
    t = translator(request, parts)
    response = render(
        request,
        parts,
        "login.html",
        operator=None,
        next=target,
        error=t("login.locked", minutes=math.ceil(seconds / 60)),
        username=username,
        status_code=429,
    )
    response.headers["Retry-After"] = str(seconds)
    return response
