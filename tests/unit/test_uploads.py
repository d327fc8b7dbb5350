"""The chassis' upload helpers (shared/runtime/http/uploads.py, X3): a multipart body is parsed in memory
and a malformed or truncated one is a 422 naming the body; a missing file part is a 422 naming the
field; the type is what the bytes show, whatever the name or the declared type say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import HTTPException

from shared.runtime.http.uploads import file_part, parse_multipart, sniff
from tests.unit.tickets.scenario import jpeg, png

PDF = b"%PDF-1.7\n%%EOF\n"


def form(**files: tuple[str, bytes, str]) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://test/", files=files, data={"note": "wire of Monday"})
    return request.read(), request.headers["content-type"]


def refusal(call: Callable[[], object]) -> tuple[int, str | None, str | None]:
    with pytest.raises(HTTPException) as refused:
        call()
    detail: Any = refused.value.detail  # the list of field problems the chassis answers with
    problem = detail[0]
    return (refused.value.status_code, problem["field"], problem["rule"])


def test_X3_a_multipart_body_is_parsed_in_memory_part_by_part() -> None:
    body, content_type = form(file=("scan.pdf", PDF + b"\r\n--not-the-boundary", "application/pdf"))
    parts = parse_multipart(body, content_type)
    assert [(p.name, p.filename, p.declared_type, p.data) for p in parts] == [
        ("note", None, None, b"wire of Monday"),
        ("file", "scan.pdf", "application/pdf", PDF + b"\r\n--not-the-boundary"),
    ]
    assert file_part(body, content_type, "file").data.startswith(PDF)


def test_X3_a_malformed_truncated_or_missing_upload_is_refused_naming_the_field() -> None:
    body, content_type = form(file=("scan.pdf", PDF, "application/pdf"))
    assert refusal(lambda: parse_multipart(body[:-8], content_type)) == (422, "(body)", "multipart")
    assert refusal(lambda: parse_multipart(b"garbage", content_type)) == (422, "(body)", "multipart")
    assert refusal(lambda: parse_multipart(body, "application/json")) == (422, "(body)", "multipart")
    assert refusal(lambda: file_part(body, content_type, "voucher")) == (422, "voucher", "missing")


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (PDF, "application/pdf"),
        (png(), "image/png"),
        (jpeg(), "image/jpeg"),
        (b"<!DOCTYPE html><html></html>", None),
        (b"", None),
    ],
    ids=["pdf", "png", "jpeg", "html", "empty"],
)
def test_X3_the_type_is_read_from_the_bytes(data: bytes, found: str | None) -> None:
    assert sniff(data) == found
