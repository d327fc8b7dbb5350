"""File uploads without trusting the client: a size limit enforced before and while the body is read,
the multipart form parsed in memory (never spooled to disk), the type read from the bytes.

A route that takes a file declares `request: Request` (not `UploadFile`, which makes FastAPI read
and spool the whole body before the route runs) and calls, in this order:
    refuse_declared_size(request, limit)       # 413 on the Content-Length alone, nothing read
    body = await read_limited(request, limit)  # 413 as soon as the stream passes the limit
    part = file_part(body, request.headers.get("content-type"), "file")
    sniff(part.data)                           # the MIME type the bytes show, or None
`multipart_body(...)` documents such a body in the route's OpenAPI (`openapi_extra=`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import filetype  # type: ignore[import-untyped]
from fastapi import HTTPException, Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

ENVELOPE_BYTES = 64 * 1024
"""What a multipart body may carry beyond its file: boundaries, part headers, a file name."""


@dataclass(frozen=True)
class FilePart:
    """One part of a multipart form: its field name, the file name and type the client gave (never
    trusted for the type), and its bytes."""

    name: str
    filename: str | None
    declared_type: str | None
    data: bytes


def too_large(field: str, limit: int, rule: str) -> HTTPException:
    message = f"the request may carry at most {limit} bytes"
    return HTTPException(413, [{"field": field, "rule": rule, "message": message}])


def refuse_declared_size(request: Request, limit: int, field: str = "(body)", rule: str = "X3") -> None:
    """413 if the request says (Content-Length) it carries more than `limit` bytes; nothing is read."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large(field, limit, rule)


async def read_limited(request: Request, limit: int, field: str = "(body)", rule: str = "X3") -> bytes:
    """The body, read as it streams in; 413 as soon as more than `limit` bytes arrived (the rest is
    never read), whatever the Content-Length said or if it said nothing (chunked)."""
    refuse_declared_size(request, limit, field, rule)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(field, limit, rule)
        chunks.append(chunk)
    return b"".join(chunks)


def _bad_form(message: str) -> HTTPException:
    return HTTPException(422, [{"field": "(body)", "rule": "multipart", "message": message}])


def parse_multipart(body: bytes, content_type: str | None) -> list[FilePart]:
    """Every part of a multipart/form-data body, in memory; 422 if the body is not one."""
    media, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise _bad_form("send multipart/form-data")
    parts: list[FilePart] = []
    headers: dict[bytes, bytes] = {}
    name = value = b""
    data: list[bytes] = []
    ended: list[bool] = []

    def on_header_field(buf: bytes, start: int, end: int) -> None:
        nonlocal name
        name += buf[start:end]

    def on_header_value(buf: bytes, start: int, end: int) -> None:
        nonlocal value
        value += buf[start:end]

    def on_header_end() -> None:
        nonlocal name, value
        headers[name.lower()] = value
        name = value = b""

    def on_part_data(buf: bytes, start: int, end: int) -> None:
        data.append(buf[start:end])

    def on_part_end() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        filename = disposition.get(b"filename")
        declared = headers.get(b"content-type")
        parts.append(
            FilePart(
                name=disposition.get(b"name", b"").decode("utf-8", "replace"),
                filename=filename.decode("utf-8", "replace") if filename is not None else None,
                declared_type=declared.decode("latin-1") if declared is not None else None,
                data=b"".join(data),
            )
        )
        headers.clear()
        data.clear()

    callbacks: Any = {
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_end": lambda: ended.append(True),
    }
    parser = MultipartParser(boundary, callbacks, max_size=len(body))
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise _bad_form(f"the multipart body is malformed ({exc})") from None
    if not ended:
        raise _bad_form("the multipart body ends before its closing boundary")
    return parts


def file_part(body: bytes, content_type: str | None, field: str) -> FilePart:
    """The part named `field` of a multipart body; 422 naming the field if it is missing."""
    found = next((p for p in parse_multipart(body, content_type) if p.name == field), None)
    if found is None:
        raise HTTPException(422, [{"field": field, "rule": "missing", "message": "a file is required"}])
    return found


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes themselves show (magic numbers, `filetype`), or None if unrecognised."""
    found = filetype.guess_mime(data) if data else None
    return str(found) if found else None


def multipart_body(field: str, description: str) -> dict[str, Any]:
    """`openapi_extra` for a route reading a multipart body with one required file `field` itself."""
    schema = {
        "type": "object",
        "required": [field],
        "properties": {field: {"type": "string", "format": "binary", "description": description}},
    }
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
