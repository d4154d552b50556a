"""The pages: the board of the viewer's queues and one item's details."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast

from fastapi import APIRouter, Request
from starlette.responses import Response

from dashboard.filters import Filters
from dashboard.present import item_row
from dashboard.relabel import relabel_choices
from dashboard.snapshot import filter_choices, take_snapshot, transfer_choices
from dashboard.web import Parts, base_path, login_redirect, render, signed_in, translator
from models.errors import PayloadError


def page_routes(parts: Parts) -> APIRouter:
    """GET / (the board) and GET /items/{inquiry_id}."""
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    async def board_page(request: Request) -> Response:
        """Queue figures and items, filtered by channel and service area."""
        operator = await signed_in(request, parts)
        if operator is None:
            return login_redirect(request)
        t = translator(request, parts)
        try:
            filters = Filters.from_query(request.query_params)
        except PayloadError as exc:
            # Filters.from_query names the filter and the value it refused.
            field, value = cast(tuple[str, str], exc.detail)
            return render(
                request,
                parts,
                "error.html",
                operator=operator,
                message=t("error.bad_filter", field=t(f"filters.{field}"), value=value),
                detail=None,
                status_code=400,
            )
        snapshot = await asyncio.to_thread(
            take_snapshot,
            board=parts.board,
            viewer=operator,
            filters=filters,
            now=datetime.now(UTC),
            t=t,
        )
        return render(
            request,
            parts,
            "board.html",
            operator=operator,
            filters=filters,
            board_url=f"{base_path(request)}/{filters.query}",
            transfer_groups=transfer_choices(t=t),
            **snapshot.context(),
            **filter_choices(viewer=operator, t=t),
        )

    @router.get("/items/{inquiry_id}", include_in_schema=False)
    async def item_page(request: Request, inquiry_id: str) -> Response:
        """One item with its full (or redacted) text and every action; 404 outside one's queues."""
        operator = await signed_in(request, parts)
        if operator is None:
            return login_redirect(request)
        t = translator(request, parts)
        view = await asyncio.to_thread(parts.board.item, viewer=operator, inquiry_id=inquiry_id)
        if view is None:
            return render(
                request,
                parts,
                "error.html",
                operator=operator,
                message=t("error.not_found"),
                detail=None,
                status_code=404,
            )
        return render(
            request,
            parts,
            "item.html",
            operator=operator,
            item=item_row(view, viewer=operator, now=datetime.now(UTC), t=t),
            board_url=f"{base_path(request)}/",
            back_url=f"{base_path(request)}/items/{view.inquiry_id}",
            transfer_groups=transfer_choices(t=t),
            relabel_choices=relabel_choices(view, t=t),
        )

    return router
