"""Cached responses of a read route, each served only while it shows the aggregate's current version.

A GET of one aggregate used to replay it (a snapshot query, an events query, the customer's key for
the sealed fields) and build its response model on every request. `CurrentViews` keeps the response
body an aggregate's state gave, with the version it was built from and its owner (for the visibility
check); a request asks the store for the aggregate's newest version (one query on the primary key)
and is answered from the cache only when that is the cached version. Any write any process
acknowledged before the request is in the store by then, so a GET never shows a state older than a
write acknowledged to its client (read-your-writes), without the API hearing of the writes. What is
cached must be a function of the aggregate's events alone (no clock, no key material): the orders
response shows no sealed personal data, so forgetting a customer (X4) changes nothing cached.

Per process, bounded: the least recently used view is forgotten first."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql


@dataclass(frozen=True, slots=True)
class View:
    version: int
    owner: str
    """The customer whose aggregate it is (who may see it: `Principal.may_see_customer`)."""
    body: bytes
    """The JSON response, as the route's response model serialises it."""


class CurrentViews:
    def __init__(self, versions: NewestVersions, size: int = 10_000) -> None:
        self.versions = versions
        self.size = size
        self._views: OrderedDict[uuid.UUID, View] = OrderedDict()
        self._lock = threading.Lock()

    async def current(self, key: uuid.UUID) -> View | None:
        """The view of aggregate `key` if it shows the store's newest version now, else None (build
        it from the aggregate, which may not exist, and `put` it)."""
        return self.get(key, await self.versions.of(key))

    def get(self, key: uuid.UUID, version: int | None) -> View | None:
        """The view of `key` if it shows `version`, else None."""
        if version is None:
            return None
        with self._lock:
            view = self._views.get(key)
            if view is None or view.version != version:
                return None
            self._views.move_to_end(key)
            return view

    def put(self, key: uuid.UUID, view: View) -> None:
        """Keep `view` unless a newer one of `key` is kept already (two requests built them at once)."""
        with self._lock:
            known = self._views.get(key)
            if known is not None and known.version > view.version:
                return
            self._views[key] = view
            self._views.move_to_end(key)
            while len(self._views) > self.size:
                self._views.popitem(last=False)

    def __len__(self) -> int:
        return len(self._views)


NEWEST = sql.SQL("SELECT max(originator_version) FROM {} WHERE originator_id = %s")


class NewestVersions:
    """The newest stored version of an aggregate, asked on the API's event loop over a few connections
    of its own (autocommit, the statement prepared on each): on this 2-core machine a query through a
    thread and eventsourcing's pool cost ~250 us of CPU, on an idle connection of these ~85. Up to
    `size` queries run at once; more wait for a connection. A connection that fails is dropped; an
    idle one that fails (PostgreSQL restarted meanwhile) is replaced at once, a new one that fails
    hands its error to the caller (PostgreSQL down: a 503). With
    in-memory storage (no `dsn`) the application's recorder answers, in a thread."""

    def __init__(self, app: Any, dsn: str | None, size: int = 4) -> None:
        self.app = app
        self.dsn = dsn
        self.size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots = asyncio.Semaphore(size)
        self._statement = NEWEST.format(sql.Identifier(app.recorder.events_table_name)) if dsn else None

    async def of(self, originator_id: uuid.UUID) -> int | None:
        if self._statement is None or self.dsn is None:
            return await asyncio.to_thread(self._recorded, originator_id)
        if asyncio.get_running_loop() is not self._loop:  # connections belong to the loop they were made on
            self._reset(asyncio.get_running_loop())
        async with self._slots:
            while True:
                reused = bool(self._idle)
                conn = self._idle.pop() if reused else await self._connect()
                try:
                    cursor = await conn.execute(self._statement, (originator_id,), prepare=True)
                    row = await cursor.fetchone()
                except psycopg.OperationalError:
                    await conn.close()
                    if reused:  # closed while idle (PostgreSQL restarted): once more on a new connection
                        continue
                    raise
                except BaseException:
                    await conn.close()
                    raise
                self._idle.append(conn)
                return None if row is None else row[0]

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(self.dsn or "", autocommit=True, connect_timeout=5)

    def _recorded(self, originator_id: uuid.UUID) -> int | None:
        newest = self.app.recorder.select_events(originator_id, desc=True, limit=1)
        return newest[0].originator_version if newest else None

    def _reset(self, loop: asyncio.AbstractEventLoop | None) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.pgconn.finish()
        self._loop, self._slots = loop, asyncio.Semaphore(self.size)

    def close(self) -> None:
        self._reset(None)
