"""The HTTP entrance: signed bot clients POST inquiries and call events; anyone may ask a status.

Every POST is checked in this order, each failure a clear 4xx counted by reason: the size limit
(413, before anything is read beyond it), the signature (401: missing headers, unknown client,
bad signature, or a timestamp outside the window, which is a credential no longer valid rather
than a permission missing), then the JSON and its schema (400/422), then the Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from config.catalogue import Catalogue, load_catalogue
from config.settings import BotClient
from connectors.api_models import (
    RECEIVED_AT_MAX_AHEAD_S,
    Accepted,
    CallEvent,
    CallState,
    Health,
    InquiryRequest,
    InquiryState,
    Problem,
    client_clock,
)
from connectors.body import parse_json_object, read_limited
from connectors.bot_auth import BotAuthenticator
from connectors.callbacks import CallbackSender
from connectors.calls import CallEvents
from connectors.decision_waiter import DecisionWaiter
from connectors.idempotency_expiry import forget_expired_forever
from connectors.signing import CLIENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from connectors.webhook import (
    BotRequest,
    Webhook,
    body_sha256,
    derived_id,
    idempotency_key,
    parse_bot_inquiry,
    wait_preference,
)
from ledger.callbacks import Callbacks
from ledger.calls import Calls
from ledger.decision_lookup import DecisionLookup
from ledger.idempotency import IdempotencyKeys
from models.errors import (
    BrokerError,
    IdempotencyConflict,
    LedgerError,
    LedgerUnavailable,
    PayloadError,
    PayloadTooLarge,
    SignatureError,
)
from models.wire import summarise_validation
from streams.intake import Intake
from streams.metrics import Metrics, create_metrics, reject_reason
from streams.redelivery import redeliver_forever

__all__ = ["Accepted", "Health", "InquiryState", "Problem", "create_api"]

log = logging.getLogger(__name__)
RECONNECT_S = 2.0
CALL_ID_PATTERN = r"^[A-Za-z0-9._-]{1,48}$"
_CALL_ID = re.compile(CALL_ID_PATTERN)
_CALL_EVENT: TypeAdapter[Any] = TypeAdapter(CallEvent)
_SIGNED_HEADERS = [
    {
        "name": CLIENT_HEADER,
        "in": "header",
        "required": True,
        "description": "The bot client's id, as configured in INDGANG_BOT_CLIENTS",
        "schema": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,63}$"},
    },
    {
        "name": TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "description": "Unix time in seconds; refused when further from now than the window",
        "schema": {"type": "string", "pattern": r"^[0-9]{1,12}$"},
    },
    {
        "name": SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "description": "sha256= and the hex HMAC-SHA256 of '{timestamp}.' + body, client's secret",
        "schema": {"type": "string", "pattern": r"^sha256=[0-9a-f]{64}$"},
    },
    {
        "name": "Prefer",
        "in": "header",
        "required": False,
        "description": "wait=N (RFC 7240): answer with the decision if made within N seconds",
        "schema": {"type": "string", "pattern": r"^(respond-async|wait=[0-9]{1,2})$"},
    },
]
_IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Retries with the same key and body return the first request's inquiry; "
        "a key is bound for 24 hours by default (INDGANG_IDEMPOTENCY_KEY_TTL_H)"
    ),
    "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"},
}
_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Not a JSON object in UTF-8"},
    401: {"model": Problem, "description": "Unsigned, unknown client, bad or stale signature"},
    413: {"model": Problem, "description": "Body over the size limit"},
    422: {"model": Problem, "description": "Invalid fields, or an Idempotency-Key conflict"},
    503: {"model": Problem, "description": "The ledger is unavailable; retry"},
}


def create_api(
    *,
    intake: Intake,
    max_body_bytes: int,
    redelivery_after_s: float,
    redelivery_interval_s: float,
    bot_clients: Sequence[BotClient],
    signature_max_age_s: int = 300,
    received_at_max_ahead_s: int = RECEIVED_AT_MAX_AHEAD_S,
    sync_wait_s: float = 8.0,
    idempotency_key_ttl_s: float = 86_400.0,
    metrics: Metrics | None = None,
    catalogue: Catalogue | None = None,
    callback_sender: CallbackSender | None = None,
) -> FastAPI:
    """The FastAPI app; its lifespan connects the producer, redelivers and sends callbacks."""
    metrics = metrics if metrics is not None else create_metrics()
    engine = intake.ledger.engine
    auth = BotAuthenticator(clients=bot_clients, max_age_s=signature_max_age_s)
    waiter = DecisionWaiter(lookup=DecisionLookup(engine))
    keys = IdempotencyKeys(engine)
    webhook = Webhook(
        intake=intake,
        keys=keys,
        callbacks=Callbacks(engine),
        waiter=waiter,
        catalogue=catalogue if catalogue is not None else load_catalogue(),
        metrics=metrics,
    )
    call_events = CallEvents(webhook=webhook, calls=Calls(engine))

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
            asyncio.create_task(waiter.run()),
            asyncio.create_task(forget_expired_forever(keys=keys, ttl_s=idempotency_key_ttl_s)),
        ]
        if callback_sender is not None:
            tasks.append(asyncio.create_task(callback_sender.run()))
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
    extra_schemas: dict[str, Any] = {}

    def request_body(model: Any) -> dict[str, Any]:
        schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
        extra_schemas.update(schema.pop("$defs", {}))
        content = {"application/json": {"schema": schema}}
        return {"requestBody": {"required": True, "content": content}}

    async def signed_body(request: Request) -> tuple[BotClient, bytes]:
        body = await read_limited(
            request.stream(),
            declared_length=request.headers.get("content-length"),
            limit=max_body_bytes,
        )
        return auth.authenticate(headers=request.headers, body=body), body

    @app.post(
        "/v1/inquiries",
        status_code=202,
        response_model=Accepted,
        responses={
            200: {
                "model": Accepted,
                "description": "Decided within the wait asked for, or accepted earlier (retry)",
            },
            **_REFUSALS,
        },
        description=(
            "Without `Prefer: wait=N` the answer is 202 at once (a client with a callback URL "
            "gets the decision there); with it, 200 with the decision and the bot's reply if "
            "the decision is made in time, else 202 with the status link."
        ),
        openapi_extra={
            **request_body(InquiryRequest),
            "parameters": [*_SIGNED_HEADERS, _IDEMPOTENCY_HEADER],
        },
    )
    async def post_inquiry(request: Request) -> JSONResponse:
        """Accept one inquiry from a signed bot client: durable before the answer."""
        try:
            client, body = await signed_body(request)
            inquiry, contact, id_given = parse_bot_inquiry(
                parse_json_object(body), received_at_max_ahead_s=received_at_max_ahead_s
            )
            key = idempotency_key(request.headers.get("idempotency-key"))
            digest = body_sha256(body)
            if not id_given:
                # What the signature covers, normalised: "0123" and "123" sign the same.
                signed = f"{int(request.headers[TIMESTAMP_HEADER])}.{digest}"
                # With a key, the body too: a key reused after its binding expired names a
                # new inquiry, while a retry (same key, same body) still meets its first one.
                seed = ("key", f"{key}\0{digest}") if key else ("signed", signed)
                inquiry = inquiry.model_copy(
                    update={"id": derived_id(client_id=client.id, kind=seed[0], value=seed[1])}
                )
            status, receipt = await webhook.accept(
                BotRequest(
                    client=client,
                    inquiry=inquiry,
                    contact=contact,
                    body_sha256=digest,
                    idempotency_key=key,
                    wait_s=wait_preference(request.headers.get("prefer"), cap_s=sync_wait_s),
                )
            )
        except (PayloadError, SignatureError, LedgerError) as exc:
            return _refusal(exc, metrics)
        return _receipt(status, receipt)

    @app.post(
        "/v1/calls/{call_id}/events",
        response_model=CallState,
        responses={
            202: {"model": CallState, "description": "Transcript accepted, not decided yet"},
            **_REFUSALS,
        },
        description=(
            "A transcript is answered like an inquiry (`Prefer: wait=N` for the transfer "
            "target); retries of any event change nothing. No Idempotency-Key is needed: the "
            "call id is it."
        ),
        openapi_extra={
            **request_body(CallEvent),
            "parameters": [
                {
                    "name": "call_id",
                    "in": "path",
                    "required": True,
                    "description": "The telephony platform's id of the call",
                    "schema": {"type": "string", "pattern": CALL_ID_PATTERN},
                },
                *_SIGNED_HEADERS,
            ],
        },
    )
    async def post_call_event(request: Request) -> JSONResponse:
        """One event of a phone call: `started`, `transcript` (becomes an inquiry), `hung_up`."""
        try:
            client, body = await signed_body(request)
            call_id = request.path_params["call_id"]
            if not _CALL_ID.fullmatch(call_id):
                reason = f"call id must match {CALL_ID_PATTERN}"
                raise PayloadError(reason, detail=[{"loc": ["path", "call_id"], "msg": reason}])
            try:
                event = _CALL_EVENT.validate_python(
                    parse_json_object(body),
                    context=client_clock(
                        now=datetime.now(UTC), max_ahead_s=received_at_max_ahead_s
                    ),
                )
            except ValidationError as exc:
                raise PayloadError(
                    f"invalid call event: {summarise_validation(exc)}",
                    detail=exc.errors(
                        include_url=False, include_input=False, include_context=False
                    ),
                ) from exc
            status, state = await call_events.handle(
                client=client,
                call_id=call_id,
                event=event,
                body_sha256=body_sha256(body),
                wait_s=wait_preference(request.headers.get("prefer"), cap_s=sync_wait_s),
            )
        except (PayloadError, SignatureError, LedgerError) as exc:
            return _refusal(exc, metrics)
        return JSONResponse(state.model_dump(mode="json"), status_code=status)

    @app.get(
        "/v1/inquiries/{inquiry_id}",
        response_model=InquiryState,
        responses={404: {"model": Problem}, 503: {"model": Problem}},
    )
    async def get_inquiry(inquiry_id: str) -> Any:
        """An inquiry's status and decision."""
        try:
            found = await asyncio.to_thread(intake.ledger.status, inquiry_id=inquiry_id)
        except LedgerError:
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

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's own parameter checks answer in the same Problem shape as ours."""
        fields = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return _problem(422, "invalid request parameters", fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Unknown paths and wrong methods are refused in the same Problem shape, with a reason."""
        response = _problem(exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default_openapi()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in extra_schemas.items():
                components.setdefault(name, definition)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _refusal(exc: Exception, metrics: Metrics) -> JSONResponse:
    """The 4xx or 503 for a refused POST, counted under its fixed reason."""
    if isinstance(exc, LedgerError) and not isinstance(exc, LedgerUnavailable):
        # A refusal by the database is still the database's trouble, not the client's.
        log.error("inquiry refused by the ledger: %s", exc)
        exc = LedgerUnavailable(str(exc))
    metrics.reject(reject_reason(exc))
    if isinstance(exc, LedgerUnavailable):
        log.error("inquiry refused, ledger unavailable: %s", exc)
        return _problem(503, "cannot make the inquiry durable now; retry", retry_after=5)
    if isinstance(exc, SignatureError):
        response = _problem(401, exc.reason)
        response.headers["WWW-Authenticate"] = f'{SIGNATURE_HEADER} realm="indgang"'
        return response
    if isinstance(exc, PayloadTooLarge):
        return _problem(413, exc.reason)
    assert isinstance(exc, PayloadError)
    status = 422 if exc.detail is not None or isinstance(exc, IdempotencyConflict) else 400
    return _problem(status, exc.reason, exc.detail)


def _receipt(status: int, receipt: Accepted) -> JSONResponse:
    return JSONResponse(receipt.model_dump(mode="json"), status_code=status)


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
