"""A shortcut past FastAPI for the one read that is called most, answered from its cached view.

`GET /orders/{id}` polled by shops spent more CPU in FastAPI's routing (every route tried in turn,
twice per included router), dependency solving and exception layers than in its own work once the
view was cached. `ViewShortcut` sits inside the `Correlate` middleware (so the correlation id, the
latency histogram under the route's path and the request log line are as for any request) and answers
such a GET itself only when everything the route would check passes: no query string (so no `as_of`),
the id in its canonical form, exactly one `Authorization: Bearer` header whose token verifies (the
same `VERIFIED` check), a cached view of the aggregate that shows its newest stored version (the same
`CurrentViews` the route fills) and that the caller may see. Anything else (a first read, a refusal,
an error, PostgreSQL down) goes on to the route, which answers as it always did: the shortcut never
answers what the route would refuse, and answers the bytes and headers the route would."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.runtime.http.views import CurrentViews
from shared.runtime.identity import VERIFIED


class RoutePath:
    """What the latency histogram reads of the route (`scope["route"].path`)."""

    def __init__(self, path: str) -> None:
        self.path = path


class ViewShortcut:
    def __init__(self, app: ASGIApp, runtime: Any, views: CurrentViews, prefix: str, route: str) -> None:
        self.app = app
        self.runtime = runtime
        self.views = views
        self.prefix = prefix
        self.route = RoutePath(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope["query_string"]
            and scope["path"].startswith(self.prefix)
        ):
            body = await self.answer(scope)
            if body is not None:
                scope["route"] = self.route
                headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def answer(self, scope: Scope) -> bytes | None:
        """The cached body the route would answer with 200, or None (the route answers)."""
        raw = scope["path"][len(self.prefix) :]
        if len(raw) != 36:
            return None
        try:
            key = uuid.UUID(raw)
        except ValueError:
            return None
        given = [v for k, v in scope["headers"] if k == b"authorization"]
        if str(key) != raw or len(given) != 1:
            return None
        scheme, _, token = given[0].decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token or token != token.strip() or " " in token:
            return None
        platform = self.runtime.settings.platform
        try:
            principal = VERIFIED.verify(
                platform.jwt_secret,
                platform.jwt_issuer,
                token,
                audience=platform.jwt_audience,
                max_ttl_seconds=platform.jwt_max_ttl_seconds,
            )
            view = await self.views.current(key)
        except Exception:
            return None  # the route refuses, or meets the same error and answers it as it does
        if view is None or not principal.may_see_customer(view.owner):
            return None
        return view.body
