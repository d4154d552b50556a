"""Read and parse a request body with a size limit, explaining every rejection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from models.errors import PayloadError, PayloadTooLarge
from models.inquiry import Inquiry
from models.wire import json_object, summarise_validation


async def read_limited(
    chunks: AsyncIterator[bytes], *, declared_length: str | None, limit: int
) -> bytes:
    """Collect a body, refusing it as soon as it passes the limit (never buffering 10 MB)."""
    if declared_length is not None:
        try:
            if int(declared_length) > limit:
                raise PayloadTooLarge(f"body of {declared_length} bytes exceeds {limit} bytes")
        except ValueError as exc:
            raise PayloadError("Content-Length is not a number") from exc
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"body exceeds {limit} bytes")
    return bytes(body)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """UTF-8 JSON object, or PayloadError saying which of the three it is not."""
    if not body.strip():
        raise PayloadError("body is empty; send one JSON object")
    return json_object(body, what="body")


def parse_inquiry(data: dict[str, Any]) -> Inquiry:
    """Validate an inquiry; errors name the fields, never echo their values."""
    try:
        return Inquiry.model_validate(data)
    except ValidationError as exc:
        raise PayloadError(
            f"invalid inquiry: {summarise_validation(exc)}",
            detail=exc.errors(include_url=False, include_input=False, include_context=False),
        ) from exc
