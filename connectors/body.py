"""Read and parse a request body with a size limit, explaining every rejection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from models.errors import PayloadError, PayloadTooLarge
from models.inquiry import Inquiry
from models.wire import summarise_validation


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
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"body is not UTF-8: invalid byte at position {exc.start}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(data, dict):
        raise PayloadError(f"body must be a JSON object, not {type(data).__name__}")
    return data


def parse_inquiry(data: dict[str, Any]) -> Inquiry:
    """Validate an inquiry; errors name the fields, never echo their values."""
    try:
        return Inquiry.model_validate(data)
    except ValidationError as exc:
        raise PayloadError(
            f"invalid inquiry: {summarise_validation(exc)}",
            detail=exc.errors(include_url=False, include_input=False, include_context=False),
        ) from exc
