"""A lean HTTP/1.1 keep-alive client for the load generator, which shares the cores it measures.

httpx spent ~6 ms of the generator's CPU per order (its connection pool scans every connection per
request, anyio checks which event loop runs, h11 parses in Python). This client keeps idle connections
per host and port, writes each request in one call and parses the answer with httptools (the parser
uvicorn uses): only what the bench needs (JSON bodies, Content-Length or chunked answers), nothing
else of HTTP (no redirects, no TLS, no cookies)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any, cast
from urllib.parse import urlsplit

import httptools
import orjson

IDLE_SECONDS = 3.0
"""A connection idle longer is closed rather than reused: uvicorn closes it after 5 s (`timeout_keep_alive`),
and a request sent as the server closes is lost (httpx met the same race: ReadError)."""


class HttpError(Exception):
    """The request got no complete answer (connection refused or lost, timeout, bad response)."""


class Response:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    def json(self) -> Any:
        return orjson.loads(self.content)


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Response] | None = None
        self.body: list[bytes] = []
        self.reusable = True
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio.Transport subclasses

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"bad response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(HttpError(f"connection lost: {exc}"))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.reusable = self.parser.should_keep_alive()
        waiter, self.waiter = self.waiter, None
        content, self.body = b"".join(self.body), []
        if waiter is not None and not waiter.done():
            waiter.set_result(Response(self.parser.get_status_code(), content))

    def _fail(self, exc: Exception) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.close()
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def send(self, request: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None and self.waiter is None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter


class LeanClient:
    """`await client.post(url, json=..., headers=...)` and `get` returning `.status_code`, `.json()`."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.idle: defaultdict[tuple[str, int], list[_Connection]] = defaultdict(list)

    async def post(self, url: str, json: Any = None, headers: dict[str, str] | None = None) -> Response:
        body = b"" if json is None else json if isinstance(json, bytes) else orjson.dumps(json)
        return await self.request("POST", url, body, headers)

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", url, None, headers)

    async def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str] | None) -> Response:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {path} HTTP/1.1", f"host: {host}:{port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines += ["content-type: application/json", f"content-length: {len(body)}"]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        idle = self.idle[(host, port)]
        conn = None
        now = asyncio.get_running_loop().time()
        while idle and conn is None:  # the server closes connections idle for a while (uvicorn: after 5 s)
            conn = idle.pop()
            stale = now - conn.idle_since > IDLE_SECONDS or not conn.reusable
            if stale or conn.transport is None or conn.transport.is_closing():
                if conn.transport is not None:
                    conn.transport.close()  # never one the server may be closing as the request goes out
                conn = None
        if conn is None:
            try:
                _, conn = await asyncio.get_running_loop().create_connection(_Connection, host, port)
            except OSError as exc:
                raise HttpError(f"connect: {exc}") from exc
        try:
            response = await asyncio.wait_for(conn.send(request), self.timeout)
        except TimeoutError:
            conn.reusable = False
            assert conn.transport is not None
            conn.transport.close()
            raise
        if conn.reusable:
            conn.idle_since = asyncio.get_running_loop().time()
            idle.append(conn)
        return response

    async def aclose(self) -> None:
        for conns in self.idle.values():
            for conn in conns:
                if conn.transport is not None:
                    conn.transport.close()
        self.idle.clear()
