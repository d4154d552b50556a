"""Server-sent events: the viewer's board, pushed again whenever what they can see changes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from dashboard import sessions
from dashboard.filters import Filters
from dashboard.i18n import Translator
from dashboard.snapshot import take_snapshot, transfer_choices
from dashboard.web import Parts, base_path, signed_in, translator
from models.errors import LedgerError, PayloadError
from queues.accounts import Operator

STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def sse_event(event: str, data: str) -> str:
    """One event in the text/event-stream format; every line of the data gets its prefix."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def live_routes(parts: Parts) -> APIRouter:
    """GET /live: a text/event-stream of rendered board fragments."""
    router = APIRouter()

    @router.get("/live", include_in_schema=False)
    async def live(request: Request) -> Response:
        """Push the board when it changes, at least every refresh_s, until the client goes."""
        operator = await signed_in(request, parts)
        if operator is None:
            return PlainTextResponse("sign in first", status_code=401)
        try:
            filters = Filters.from_query(request.query_params)
        except PayloadError as exc:
            return PlainTextResponse(exc.reason, status_code=400)
        fragment = _Fragment(
            parts=parts,
            operator=operator,
            filters=filters,
            t=translator(request, parts),
            base=base_path(request),
        )
        # Read before the stream starts: the session cookie goes out with the headers.
        csrf = sessions.csrf_token(request)
        return StreamingResponse(
            _events(request, parts, operator=operator, render=fragment, csrf=csrf),
            media_type="text/event-stream",
            headers=STREAM_HEADERS,
        )

    return router


class _Fragment:
    """Renders the board fragment for one viewer and one set of filters."""

    def __init__(
        self, *, parts: Parts, operator: Operator, filters: Filters, t: Translator, base: str
    ) -> None:
        self.parts = parts
        self.operator = operator
        self.filters = filters
        self.t = t
        self.base = base

    def __call__(self, csrf: str) -> str:
        """The fragment's HTML (blocking: reads the ledger)."""
        snapshot = take_snapshot(
            board=self.parts.board,
            viewer=self.operator,
            filters=self.filters,
            now=datetime.now(UTC),
            t=self.t,
        )
        template = self.parts.templates.get_template("_board.html")
        return template.render(
            t=self.t,
            lang=self.t.lang,
            base=self.base,
            csrf=csrf,
            operator=self.operator,
            filters=self.filters,
            board_url=f"{self.base}/{self.filters.query}",
            transfer_groups=transfer_choices(t=self.t),
            **snapshot.context(),
        )


async def _events(
    request: Request, parts: Parts, *, operator: Operator, render: _Fragment, csrf: str
) -> AsyncIterator[str]:
    timing = parts.live
    started = last_sent = last_beat = time.monotonic()
    last_token: str | None = None
    # The browser waits this long before it reconnects after the stream ends.
    yield "retry: 2000\n\n"
    while time.monotonic() - started < timing.max_s:
        if await request.is_disconnected():
            return
        now = time.monotonic()
        try:
            token = await asyncio.to_thread(parts.board.change_token, viewer=operator)
            if token != last_token or now - last_sent >= timing.refresh_s:
                html = await asyncio.to_thread(render, csrf)
                last_token, last_sent, last_beat = token, now, now
                yield sse_event("board", html)
        except LedgerError:
            # The page keeps what it shows; the next poll tries again.
            pass
        if now - last_beat >= timing.heartbeat_s:
            last_beat = now
            yield ": still here\n\n"
        await asyncio.sleep(timing.poll_s)
