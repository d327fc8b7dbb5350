"""FastAPI dependencies: the runtime, the caller's identity, role checks.

They are `async def` although nothing in them waits: FastAPI runs a plain `def` dependency in its
thread pool, and the hops to and from it cost more CPU than a whole GET of an order."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.runtime.http.views import CurrentViews
from shared.runtime.identity import VERIFIED, InvalidToken, Principal
from shared.runtime.service import Runtime

_bearer = HTTPBearer(auto_error=False)


async def get_runtime(request: Request) -> Runtime[Any]:
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime[Any], Depends(get_runtime)]


async def get_views(request: Request) -> CurrentViews:
    views: CurrentViews = request.app.state.views
    return views


ViewsDep = Annotated[CurrentViews, Depends(get_views)]
"""The app's cached responses of read routes, each valid while it shows the current version (views.py)."""


def authenticate(runtime: Runtime[Any], scheme: str, credentials: str) -> Principal:
    """The caller a bearer token names (401 for a missing or bad one): the one check every route uses,
    including those that also take the token from elsewhere (the orders timeline's `?token=`)."""
    if scheme.lower() != "bearer" or not credentials:
        raise HTTPException(401, "authorization: a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    platform = runtime.settings.platform
    try:
        return VERIFIED.verify(
            platform.jwt_secret,
            platform.jwt_issuer,
            credentials,
            audience=platform.jwt_audience,
            max_ttl_seconds=platform.jwt_max_ttl_seconds,
        )
    except InvalidToken as exc:
        raise HTTPException(
            401, f"authorization: invalid token ({exc})", headers={"WWW-Authenticate": "Bearer"}
        ) from None


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def principal_of(runtime: Runtime[Any], credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The caller named by the request's bearer credentials (401 without usable ones)."""
    if credentials is None:
        return authenticate(runtime, "", "")
    return authenticate(runtime, credentials.scheme, credentials.credentials)


async def get_principal(runtime: RuntimeDep, credentials: Bearer) -> Principal:
    return principal_of(runtime, credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


class RoleCheck:
    """A dependency admitting only `roles` (403 otherwise); the OpenAPI lists them as `x-roles`.

    It authenticates itself (`get_principal`'s check) rather than depending on `PrincipalDep`: each
    dependency level costs FastAPI's `solve_dependencies` CPU on every request of the routes using it."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        self.roles = roles

    async def __call__(self, request: Request, credentials: Bearer) -> Principal:
        principal = principal_of(request.app.state.runtime, credentials)
        if principal.role not in self.roles:
            raise HTTPException(403, f"role: {principal.role} may not do this (needs {' or '.join(self.roles)})")
        return principal


def require(*roles: str) -> RoleCheck:
    return RoleCheck(roles)


Ops = Annotated[Principal, Depends(require("ops"))]
OpsOrAuditor = Annotated[Principal, Depends(require("ops", "auditor"))]
Auditor = Annotated[Principal, Depends(require("auditor", "ops"))]


def aware(at: datetime, field: str) -> datetime:
    """An instant from a request; one without a time zone is ambiguous and refused (422, X3)."""
    if at.tzinfo is None:
        raise HTTPException(422, [{"field": field, "rule": "X3", "message": "include a time zone, e.g. Z"}])
    return at


async def _as_of(
    as_of: Annotated[
        datetime | None, Query(description="Replay the events up to this instant (ISO 8601 with a time zone)")
    ] = None,
) -> datetime | None:
    return None if as_of is None else aware(as_of, "as_of")


AsOf = Annotated[datetime | None, Depends(_as_of)]
"""An optional instant to replay up to; one without a time zone is refused (422, naming the field)."""
