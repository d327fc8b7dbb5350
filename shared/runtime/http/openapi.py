"""The OpenAPI every service serves tells the truth about errors.

FastAPI documents a 422 of its own shape and nothing else. Here every operation documents:
- 422 as a Problem when it takes parameters or a body (request validation answers that);
- 400 as a Problem when it takes a body (one that does not parse answers that);
- 401 when it needs a bearer token, 403 when only some roles may call it (`require`), and lists
  those roles as `x-roles`;
- the statuses its route declares with `problems(...)`, as Problems;
- every error response with the `application/problem+json` media type the chassis answers with.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from shared.runtime.http.problems import MEDIA_TYPE, Problem, phrase

PROBLEM_REF = "#/components/schemas/Problem"
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")


def roles_of(dependant: Dependant) -> tuple[str, ...] | None:
    """The roles a route's dependencies admit (`require(...)`), or None if it names none."""
    for dep in dependant.dependencies:
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return tuple(roles)
        inner = roles_of(dep)
        if inner is not None:
            return inner
    return None


def _problem(status: int) -> dict[str, Any]:
    return {"description": phrase(status), "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}}


def document(api: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI with the error responses above (built once, then cached by FastAPI)."""
    if api.openapi_schema:
        return api.openapi_schema
    doc = get_openapi(title=api.title, version=api.version, description=api.description, routes=api.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    dependants = {
        (c.path_format, m.lower()): c.dependant
        for c in iter_route_contexts(api.routes)
        if isinstance(c.original_route, APIRoute)
        for m in c.methods or ()
    }
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            dependant = dependants.get((path, method))
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if "422" in responses or operation.get("parameters") or operation.get("requestBody"):
                responses["422"] = _problem(422)
            if operation.get("requestBody"):
                responses.setdefault("400", _problem(400))  # a body that does not parse (not JSON, not a form)
            if operation.get("security"):
                responses.setdefault("401", _problem(401))
            roles = roles_of(dependant) if dependant else None
            if roles is not None:
                operation["x-roles"] = list(roles)
                responses.setdefault("403", _problem(403))
            for status, response in responses.items():
                schemas_given = [c.get("schema") for c in (response.get("content") or {}).values()]
                if status.isdigit() and int(status) >= 400 and schemas_given in ([], [{"$ref": PROBLEM_REF}]):
                    response["content"] = {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
    api.openapi_schema = doc
    return doc
