"""The HTTP entrance: bots and forms POST inquiries; anyone may ask for an inquiry's status."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from connectors.body import parse_inquiry, parse_json_object, read_limited
from models.decision import RoutingDecision
from models.errors import BrokerError, LedgerUnavailable, PayloadError, PayloadTooLarge
from models.inquiry import Inquiry
from streams.intake import Intake
from streams.metrics import Metrics, create_metrics, reject_reason
from streams.redelivery import redeliver_forever

log = logging.getLogger(__name__)
RECONNECT_S = 2.0


class Accepted(BaseModel):
    """The receipt for an inquiry: durable, and where to follow it."""

    id: str
    status: Literal["accepted", "published", "decided"]
    duplicate: bool
    links: dict[str, str]


class InquiryState(BaseModel):
    """An inquiry's status and, once made, its routing decision."""

    id: str
    status: Literal["accepted", "published", "decided"]
    channel: str
    accepted_at: datetime
    decision: RoutingDecision | None


class Problem(BaseModel):
    """Why a request was refused."""

    error: str
    fields: list[dict[str, Any]] | None = None


class Health(BaseModel):
    """Readiness of the HTTP side's dependencies."""

    status: Literal["ok", "degraded"]
    ledger: Literal["ok", "unavailable"]
    broker: Literal["ok", "unavailable"]


def create_api(
    *,
    intake: Intake,
    max_body_bytes: int,
    redelivery_after_s: float,
    redelivery_interval_s: float,
    metrics: Metrics | None = None,
) -> FastAPI:
    """The FastAPI app; its lifespan connects the producer and runs redelivery."""
    metrics = metrics if metrics is not None else create_metrics()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(_keep_connected(intake)),
            asyncio.create_task(
                redeliver_forever(
                    intake=intake,
                    older_than_s=redelivery_after_s,
                    interval_s=redelivery_interval_s,
                    metrics=metrics,
                )
            ),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await intake.producer.stop()

    app = FastAPI(
        title="Indgang",
        version="1",
        summary="One entrance for a municipal contact centre",
        lifespan=lifespan,
    )
    inquiry_body = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": Inquiry.model_json_schema()}},
        }
    }

    @app.post(
        "/v1/inquiries",
        status_code=202,
        response_model=Accepted,
        responses={
            200: {"model": Accepted, "description": "Already accepted earlier (same id)"},
            400: {"model": Problem},
            413: {"model": Problem},
            422: {"model": Problem},
            503: {"model": Problem},
        },
        openapi_extra=inquiry_body,
    )
    async def post_inquiry(request: Request) -> JSONResponse:
        """Accept one inquiry: durable in the ledger before the 202, then on to Kafka."""
        try:
            body = await read_limited(
                request.stream(),
                declared_length=request.headers.get("content-length"),
                limit=max_body_bytes,
            )
            inquiry = parse_inquiry(parse_json_object(body))
        except PayloadTooLarge as exc:
            metrics.reject(reject_reason(exc))
            return _problem(413, exc.reason)
        except PayloadError as exc:
            metrics.reject(reject_reason(exc))
            status = 422 if exc.detail is not None else 400
            return _problem(status, exc.reason, exc.detail)
        try:
            acceptance = await intake.accept(inquiry)
        except LedgerUnavailable as exc:
            metrics.reject(reject_reason(exc))
            log.error("inquiry refused, ledger unavailable: %s", exc)
            return _problem(503, "cannot make the inquiry durable now; retry", retry_after=5)
        if acceptance.created:
            metrics.inquiries_accepted.labels(channel=inquiry.channel).inc()
        receipt = Accepted(
            id=acceptance.inquiry_id,
            status=acceptance.status,
            duplicate=not acceptance.created,
            links={"self": f"/v1/inquiries/{acceptance.inquiry_id}"},
        )
        return JSONResponse(receipt.model_dump(), status_code=202 if acceptance.created else 200)

    @app.get(
        "/v1/inquiries/{inquiry_id}",
        response_model=InquiryState,
        responses={404: {"model": Problem}, 503: {"model": Problem}},
    )
    async def get_inquiry(inquiry_id: str) -> Any:
        """An inquiry's status and decision."""
        try:
            found = await asyncio.to_thread(intake.ledger.status, inquiry_id=inquiry_id)
        except LedgerUnavailable:
            return _problem(503, "ledger unavailable; retry", retry_after=5)
        if found is None:
            return _problem(404, "no inquiry with that id")
        return InquiryState(
            id=found.inquiry_id,
            status=found.status,
            channel=found.channel,
            accepted_at=found.accepted_at,
            decision=found.decision,
        )

    @app.get("/healthz", response_model=Health, responses={503: {"model": Health}})
    async def healthz() -> JSONResponse:
        """Ready when the ledger answers and the producer is connected."""
        try:
            await asyncio.to_thread(intake.ledger.ping)
            ledger_ok = True
        except LedgerUnavailable:
            ledger_ok = False
        broker_ok = intake.producer.started
        health = Health(
            status="ok" if ledger_ok and broker_ok else "degraded",
            ledger="ok" if ledger_ok else "unavailable",
            broker="ok" if broker_ok else "unavailable",
        )
        return JSONResponse(health.model_dump(), status_code=200 if ledger_ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """This process's metrics in the Prometheus text format."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _problem(
    status: int, error: str, fields: Any = None, *, retry_after: int | None = None
) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    content = Problem(error=error, fields=fields).model_dump(exclude_none=True)
    return JSONResponse(content, status_code=status, headers=headers)


async def _keep_connected(intake: Intake) -> None:
    """Connect the producer, retrying while the broker is away; inquiries stay durable meanwhile."""
    while not intake.producer.started:
        try:
            await intake.producer.start()
        except BrokerError as exc:
            log.warning("broker not reachable yet: %s", exc)
            await asyncio.sleep(RECONNECT_S)
