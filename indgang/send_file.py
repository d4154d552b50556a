"""`indgang send`: post a file of inquiries, signed as a bot client, and report each decision."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import IO, Any

import httpx

from connectors.signing import signed_headers

POLL_S = 0.2
# Ask for the decision in the answer; an inquiry not decided by then is polled for.
WAIT_S = 10


async def send_file(
    path: Path,
    *,
    base_url: str,
    timeout_s: float,
    concurrency: int,
    out: IO[str],
    client_id: str,
    secret: str,
) -> int:
    """Post every line, then wait for every decision; exit code 0 only if all were decided."""
    lines = await asyncio.to_thread(lambda: path.read_bytes().splitlines())
    limit = asyncio.Semaphore(concurrency)
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:

        async def one(number: int, raw: bytes) -> dict[str, Any]:
            async with limit:
                headers = signed_headers(client_id=client_id, secret=secret, body=raw)
                return await _send_one(client, number, raw, headers, deadline)

        results = await asyncio.gather(
            *(one(n, raw) for n, raw in enumerate(lines, start=1) if raw.strip())
        )
    for row in results:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0 if all("decision" in r for r in results) else 1


async def _send_one(
    client: httpx.AsyncClient, number: int, raw: bytes, headers: dict[str, str], deadline: float
) -> dict[str, Any]:
    headers = {**headers, "content-type": "application/json", "prefer": f"wait={WAIT_S}"}
    try:
        response = await client.post("/v1/inquiries", content=raw, headers=headers)
    except httpx.HTTPError as exc:
        return {"line": number, "error": f"could not post: {exc}"}
    if response.status_code not in (200, 202):
        return {"line": number, "status": response.status_code, "error": _error(response)}
    receipt = response.json()
    inquiry_id = receipt["id"]
    if receipt.get("decision"):
        return {"line": number, "id": inquiry_id, "decision": receipt["decision"]}
    while time.monotonic() < deadline:
        try:
            state = await client.get(f"/v1/inquiries/{inquiry_id}")
        except httpx.HTTPError:
            await asyncio.sleep(POLL_S)
            continue
        if state.status_code == 200 and state.json().get("decision"):
            return {"line": number, "id": inquiry_id, "decision": state.json()["decision"]}
        await asyncio.sleep(POLL_S)
    return {"line": number, "id": inquiry_id, "error": "no decision before the timeout"}


def _error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text[:200]
