"""What every dashboard route shares: its parts, who is signed in, language and rendering."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from starlette.datastructures import URL
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.templating import Jinja2Templates

from config.catalogue import Catalogue
from dashboard import sessions
from dashboard.i18n import Translator
from queues.accounts import Accounts, Operator
from queues.actions import QueueActions
from queues.board import QueueBoard
from queues.login_throttle import LoginThrottle

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Pages carry personal data: never cached, never framed, and only our own scripts run.
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class LiveTiming:
    """How the live stream polls, refreshes and ends (the client reconnects by itself)."""

    poll_s: float = 0.5
    refresh_s: float = 30.0
    heartbeat_s: float = 15.0
    max_s: float = 300.0


@dataclass(frozen=True)
class Parts:
    """The dashboard's collaborators, built once by the composition root."""

    catalogue: Catalogue
    accounts: Accounts
    board: QueueBoard
    actions: QueueActions
    templates: Jinja2Templates
    live: LiveTiming
    throttle: LoginThrottle


def make_templates() -> Jinja2Templates:
    """Jinja2 with autoescaping, and loud about any name a template gets wrong."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def base_path(connection: HTTPConnection) -> str:
    """Where the dashboard is mounted, e.g. '/dashboard'."""
    return str(connection.scope.get("root_path", "")).rstrip("/")


def translator(connection: HTTPConnection, parts: Parts) -> Translator:
    """The translator for the session's language."""
    return Translator(lang=sessions.language(connection), catalogue=parts.catalogue)


async def signed_in(connection: HTTPConnection, parts: Parts) -> Operator | None:
    """The operator of the session, read again from the ledger so a disabled account is out."""
    username = sessions.username(connection)
    if username is None:
        return None
    operator = await asyncio.to_thread(parts.accounts.get, username=username)
    if operator is None:
        sessions.sign_out(connection)
    return operator


def login_redirect(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the login page, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = URL(f"{base_path(request)}/login").include_query_params(next=here)
    return RedirectResponse(str(target), status_code=303)


def redirect(url: str) -> RedirectResponse:
    """Post/redirect/get: a 303 to a page."""
    return RedirectResponse(url, status_code=303)


def safe_next(connection: HTTPConnection, value: object) -> str:
    """A local dashboard address to return to; anything else becomes the board."""
    base = base_path(connection)
    if (
        isinstance(value, str)
        and value.startswith(f"{base}/")
        and not value.startswith("//")
        and "\\" not in value
        and len(value) < 2_000
    ):
        return value
    return f"{base}/"


def render(
    request: Request,
    parts: Parts,
    name: str,
    *,
    operator: Operator | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A full page in the session's language, with the context every page needs."""
    t = translator(request, parts)
    full = {
        "t": t,
        "lang": t.lang,
        "base": base_path(request),
        "csrf": sessions.csrf_token(request),
        "flashes": sessions.take_flashes(request),
        "operator": operator,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    }
    return parts.templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=NO_STORE
    )
