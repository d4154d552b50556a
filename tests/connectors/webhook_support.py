"""Real servers for webhook tests: the API under uvicorn, and a bot's callback receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from config.settings import DEV_BOT_SECRET
from connectors.signing import (
    CLIENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signed_headers,
    verify,
)
from models.errors import SignatureError
from streams.embedded_broker import free_port
from tests.processes import RunningEngine, wait_until


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run the app under uvicorn on a free loopback port, lifespan and all; yield its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the API did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def post_signed(
    url: str,
    payload: dict[str, Any] | bytes,
    *,
    client_id: str = "local-dev",
    secret: str = DEV_BOT_SECRET,
    headers: dict[str, str] | None = None,
    now: float | None = None,
) -> httpx.Response:
    """POST a body signed as a bot client."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    signed = signed_headers(client_id=client_id, secret=secret, body=body, now=now)
    all_headers = {"content-type": "application/json", **signed, **(headers or {})}
    return httpx.post(url, content=body, headers=all_headers, timeout=30)


@dataclass
class Delivery:
    """One callback as the receiver saw it."""

    client_id: str
    body: dict[str, Any]
    signature_ok: bool
    status: int


@dataclass
class CallbackReceiver:
    """A bot's callback endpoint: verifies each signature, fails the first `fail_first` calls."""

    secret: str
    fail_first: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        """Record a delivery and answer 500 while failing, 401 for a bad signature, else 204."""
        try:
            verify(
                secret=self.secret,
                timestamp=headers.get(TIMESTAMP_HEADER.lower()),
                signature=headers.get(SIGNATURE_HEADER.lower()),
                body=body,
                max_age_s=300,
            )
            signature_ok = True
        except SignatureError:
            signature_ok = False
        with self._lock:
            failing = len(self.deliveries) < self.fail_first
            status = 401 if not signature_ok else 500 if failing else 204
            self.deliveries.append(
                Delivery(
                    headers.get(CLIENT_HEADER.lower(), ""), json.loads(body), signature_ok, status
                )
            )
        return status

    def delivered(self) -> list[Delivery]:
        """The deliveries answered 2xx."""
        with self._lock:
            return [d for d in self.deliveries if d.status < 300]


@contextmanager
def callback_receiver(*, secret: str, fail_first: int = 0) -> Iterator[CallbackReceiver]:
    """A CallbackReceiver served by http.server in a thread on a free loopback port."""
    receiver = CallbackReceiver(secret=secret, fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.send_response(receiver.receive(headers, body))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/indgang/decisions"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def until_routing(engine: RunningEngine) -> None:
    """Wait until the engine's worker decides: its consumer group joins seconds after start."""
    response = engine.post_inquiry({"channel": "chat", "text": "Hvornår har Borgerservice åbent?"})
    assert response.status_code == 202, response.text
    inquiry_id = response.json()["id"]
    ledger = engine.ledger
    wait_until(
        lambda: (s := ledger.status(inquiry_id=inquiry_id)) is not None and s.decision is not None,
        timeout_s=90,
        what="the worker's first decision",
    )
