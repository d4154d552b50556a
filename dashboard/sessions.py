"""What the signed session cookie holds: who is signed in, the CSRF token, language, flashes."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Literal

from starlette.requests import HTTPConnection

from dashboard.i18n import Lang, as_lang

FlashKind = Literal["info", "error"]


def session_of(connection: HTTPConnection) -> dict[str, Any]:
    """The request's session (Starlette's SessionMiddleware puts it in the scope)."""
    session: dict[str, Any] = connection.session
    return session


def username(connection: HTTPConnection) -> str | None:
    """The signed-in operator's username, if any."""
    value = session_of(connection).get("user")
    return value if isinstance(value, str) else None


def sign_in(connection: HTTPConnection, *, user: str) -> None:
    """Start a fresh session for a user: nothing from before the login survives but language."""
    session = session_of(connection)
    lang = language(connection)
    session.clear()
    session["user"] = user
    session["lang"] = lang
    session["csrf"] = secrets.token_urlsafe(32)


def sign_out(connection: HTTPConnection) -> None:
    """Forget the user; keep the language so the login page speaks it."""
    session = session_of(connection)
    lang = language(connection)
    session.clear()
    session["lang"] = lang


def csrf_token(connection: HTTPConnection) -> str:
    """The session's CSRF token, made on first use."""
    session = session_of(connection)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_valid(connection: HTTPConnection, submitted: object) -> bool:
    """True when a form carried the session's CSRF token."""
    expected = session_of(connection).get("csrf")
    if not isinstance(expected, str) or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))


def language(connection: HTTPConnection) -> Lang:
    """The session's language, Danish unless the operator switched."""
    return as_lang(session_of(connection).get("lang"))


def set_language(connection: HTTPConnection, lang: Lang) -> None:
    """Remember the operator's language."""
    session_of(connection)["lang"] = lang


def flash(connection: HTTPConnection, *, kind: FlashKind, text: str) -> None:
    """A message shown once, on the next page."""
    session = session_of(connection)
    session["flash"] = [*session.get("flash", []), {"kind": kind, "text": text}]


def take_flashes(connection: HTTPConnection) -> list[dict[str, str]]:
    """The pending messages, removed from the session."""
    flashes = session_of(connection).pop("flash", [])
    return [f for f in flashes if isinstance(f, dict)]
