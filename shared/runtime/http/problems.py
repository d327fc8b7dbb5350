"""One error shape for every service: RFC 9457 problem details with the field/rule list (X3).

    HTTP/1.1 422
    content-type: application/problem+json
    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "lines.1.sku: no product NO-SUCH", "instance": "/orders", "correlation_id": "...",
     "errors": [{"field": "lines.1.sku", "rule": "O1", "message": "no product NO-SUCH"}]}

Request validation, domain errors (their `.field` and `.rule`), HTTPExceptions raised by routes and
the chassis (a `"field: message"` string or a list of `{field, rule, message}`) and unexpected
failures all answer this way. `problems(404, 409)` documents a route's error statuses in its OpenAPI.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.runtime.logs import correlation_id_var, is_outage, outage_types

log = logging.getLogger("hallmark.http")
MEDIA_TYPE = "application/problem+json"
DEFAULT_RULES = {401: "X2", 403: "X2", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 422: "X3"}
"""The rule of an error that names none: who may (X2), bad input (X3), or what HTTP says."""


class FieldProblem(BaseModel):
    field: str | None = Field(description="The request field at fault (dotted path), if any")
    rule: str | None = Field(description="The rule broken: a rule id (O2, X3, ...) or a validation type")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` lists each field and the rule it broke."""

    type: str = Field(default="about:blank", description="RFC 9457: no type beyond the HTTP status")
    title: str = Field(description="The HTTP status phrase")
    status: int
    detail: str = Field(description="What went wrong, for people: the errors' messages")
    instance: str | None = Field(default=None, description="The request path")
    correlation_id: str | None = Field(default=None, description="Find the request's log lines with it")
    errors: list[FieldProblem] = Field(default_factory=list)


def problem_response(
    status: int, errors: list[dict[str, Any]], *, instance: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    detail = "; ".join(f"{e['field']}: {e['message']}" if e.get("field") else str(e["message"]) for e in errors)
    body = Problem(
        title=phrase(status),
        status=status,
        detail=detail or phrase(status),
        instance=instance,
        correlation_id=correlation_id_var.get(),
        errors=[FieldProblem(**e) for e in errors],
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "(body)"


def field_problems(detail: Any, status: int) -> list[dict[str, Any]]:
    """An HTTPException's detail as field problems: a list of them, or a `"field: message"` string."""
    rule = DEFAULT_RULES.get(status, f"http_{status}")
    if isinstance(detail, list) and all(isinstance(d, dict) and "message" in d for d in detail):
        return [{"field": d.get("field"), "rule": d.get("rule") or rule, "message": str(d["message"])} for d in detail]
    text = str(detail) if detail is not None else phrase(status)
    field, sep, message = text.partition(": ")
    if sep and field.replace(".", "").replace("_", "").isalnum():
        return [{"field": field, "rule": rule, "message": message}]
    return [{"field": None, "rule": rule, "message": text}]


def install(api: FastAPI, errors: Mapping[type[Exception], int], fields: Mapping[str, str] | None = None) -> None:
    """Answer every error of `api` as a problem: validation, domain errors, HTTP errors, crashes.

    `fields` renames a domain error's field to the request field a client sent (`card.number` ->
    `source`), so the error names what the caller can fix."""
    renamed = dict(fields or {})

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        found = [
            {
                "field": "(body)" if e["type"] == "json_invalid" else _field(tuple(e["loc"])),
                "rule": e["type"],
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        return problem_response(422, found, instance=request.url.path)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        found = field_problems(exc.detail, exc.status_code)
        return problem_response(exc.status_code, found, instance=request.url.path, headers=exc.headers)

    def domain(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def handle(request: Request, exc: Exception) -> JSONResponse:
            rule = getattr(exc, "rule", None) or DEFAULT_RULES.get(status)
            field = getattr(exc, "field", None)
            found = [{"field": renamed.get(field, field) if field else None, "rule": rule, "message": str(exc)}]
            return problem_response(status, found, instance=request.url.path)

        return handle

    async def crash(request: Request, exc: Exception) -> JSONResponse:
        if is_outage(exc):  # PostgreSQL or Kafka down: one line, and a 503 the caller may retry
            log.warning("unavailable", extra={"path": request.url.path, "error": repr(exc)})
            found = [{"field": None, "rule": "unavailable", "message": "a part of the service is down; retry later"}]
            return problem_response(503, found, instance=request.url.path)
        log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
        found = [{"field": None, "rule": "internal", "message": "an unexpected error; the log has the details"}]
        return problem_response(500, found, instance=request.url.path)

    api.add_exception_handler(RequestValidationError, invalid)
    api.add_exception_handler(StarletteHTTPException, http_error)
    for exc_type, status in errors.items():
        api.add_exception_handler(exc_type, domain(status))
    for outage in outage_types():  # answered here, not re-raised to the server (no traceback in its log)
        api.add_exception_handler(outage, crash)
    api.add_exception_handler(Exception, crash)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route's error statuses, each answered as a Problem."""
    return {status: {"model": Problem, "description": phrase(status)} for status in statuses}
