"""The dashboard as a sub-application: sessions, security headers, static files and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.catalogue import Catalogue
from config.settings import Settings
from dashboard.auth import auth_routes
from dashboard.item_actions import action_routes
from dashboard.live import live_routes
from dashboard.pages import page_routes
from dashboard.web import LiveTiming, Parts, make_templates, render, translator
from models.errors import LedgerError
from queues.accounts import Accounts
from queues.actions import QueueActions
from queues.board import QueueBoard
from queues.login_throttle import LoginThrottle

MOUNT_PATH = "/dashboard"
STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the dashboard's security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_dashboard(
    *,
    settings: Settings,
    catalogue: Catalogue,
    accounts: Accounts,
    board: QueueBoard,
    actions: QueueActions,
    throttle: LoginThrottle,
    live: LiveTiming | None = None,
) -> FastAPI:
    """The operators' dashboard, to be mounted at /dashboard of the HTTP side."""
    parts = Parts(
        catalogue=catalogue,
        accounts=accounts,
        board=board,
        actions=actions,
        templates=make_templates(),
        live=live or LiveTiming(),
        throttle=throttle,
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SecurityHeaders)
    # SameSite=Strict keeps the cookie off every cross-site request; the CSRF token is a second
    # lock. Starlette marks it HttpOnly; Secure in production, where TLS ends in front of us.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="indgang_session",
        max_age=settings.session_max_age_s,
        path=MOUNT_PATH,
        same_site="strict",
        https_only=settings.environment == "production",
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        auth_routes(parts),
        page_routes(parts),
        action_routes(parts),
        live_routes(parts),
    ):
        app.include_router(router)

    @app.exception_handler(LedgerError)
    async def ledger_down(request: Request, exc: LedgerError) -> Response:
        """The database is away: say so in the operator's language, with a 503."""
        t = translator(request, parts)
        return render(
            request,
            parts,
            "error.html",
            operator=None,
            message=t("error.unavailable"),
            detail=None,
            status_code=503,
        )

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        """An unknown address inside the dashboard."""
        t = translator(request, parts)
        return render(
            request,
            parts,
            "error.html",
            operator=None,
            message=t("error.page_not_found"),
            detail=None,
            status_code=404,
        )

    return app


def mount_dashboard(api: FastAPI, dashboard: FastAPI) -> None:
    """Serve the dashboard at /dashboard of the HTTP side, and send / there."""
    api.mount(MOUNT_PATH, dashboard)

    @api.get("/", include_in_schema=False)
    async def to_dashboard() -> RedirectResponse:
        """The front page is the operators' dashboard."""
        return RedirectResponse(f"{MOUNT_PATH}/", status_code=307)
