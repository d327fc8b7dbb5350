"""Outbox relay: publishes the service's notification log, in order, to `<service>.events`.

One active relay per service (PostgreSQL advisory lock); the others stand by. Each batch is
published and acknowledged before the position is recorded, so a crash can republish but never
skip. Local subscribers (the timer index) see each batch in the transaction that moves the position.

The relay wakes when events are committed: eventsourcing's PostgreSQL recorder sends a NOTIFY on the
events table's channel inside the transaction that records them, and the relay LISTENs on it. The
poll (`interval`, `<SERVICE>_RELAY_INTERVAL_SECONDS`, 5 s) stays as a fallback for a lost listening
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from psycopg import sql

from shared.runtime.archive import Published, record_published
from shared.runtime.chain import chain_header, log_tables, read_chained
from shared.runtime.kafka import Message, send_batched
from shared.runtime.logs import log_failure
from shared.runtime.positions import read_position
from shared.runtime.privacy.mapper import SealingMapper
from shared.runtime.store import HallmarkApplication
from shared.runtime.translate import Translator, encoded_for

log = logging.getLogger("hallmark.relay")

Subscriber = Callable[[psycopg.Connection, list[tuple[int, Any]]], object]
"""Called once per batch, in the transaction that records the position, with the batch's notifications."""


@dataclass(frozen=True)
class Batch:
    """Notifications from `start` on, decoded, with their chain hashes."""

    start: int
    events: list[tuple[int, Any]]
    hashes: dict[int, bytes]


FAULT_EXIT_AFTER_PUBLISH = "relay_exit_after_publish"
LISTEN_RETRY = 5.0  # seconds: a lost listening connection is made again after this (the poll meanwhile)


class OutboxRelay:
    def __init__(
        self,
        app: HallmarkApplication,
        translate: Translator,
        topic: str,
        producer: AIOKafkaProducer,
        dsn: str,
        *,
        batch_size: int = 500,
        interval: float = 0.1,
        subscribers: list[Subscriber] | None = None,
        faults: Callable[[str], bool] = lambda _: False,
        on_published: Callable[[int], None] = lambda _: None,
    ) -> None:
        self.app = app
        self.service = app.service
        # the relay publishes sealed personal data as it is stored (the translators put the token as it is
        # in the message): its reads open nothing, so no key is looked up per sealed event
        self.mapper = app.mapper.without_opening() if isinstance(app.mapper, SealingMapper) else app.mapper
        self.topic = topic
        self.translate = translate
        self.producer = producer
        self.dsn = dsn
        self.batch_size = batch_size
        self.interval = interval
        self.subscribers = subscribers or []
        self.faults = faults
        self.on_published = on_published
        self.position_name = f"relay:{self.topic}"
        self.is_leader = False
        self._conn: psycopg.Connection | None = None  # holds the lock; the position and the archive
        self._reader: psycopg.Connection | None = None  # reads ahead while `_conn` commits
        self._position: int | None = None  # while leading, only this relay moves it: read once
        self._ahead: Batch | None = None  # the next batch, read while the last one was acknowledged
        self.wake = asyncio.Event()

    # --- leadership ---------------------------------------------------------------------------
    def _try_lead(self) -> bool:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.dsn, autocommit=True)
        row = self._conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self.position_name,)).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        for conn in (self._conn, self._reader):
            if conn is not None and not conn.closed:
                conn.close()
        self.is_leader = False
        self._position = None
        self._ahead = None

    # --- one step -------------------------------------------------------------------------------
    def _read_batch(self) -> Batch:
        assert self._conn is not None
        if self._position is None:
            self._position = read_position(self._conn, self.position_name)
        tables = log_tables(self.app)
        if tables is None:  # in-memory store: no chain
            # The lock lives as long as this session: a leader whose session died with a PostgreSQL restart
            # finds out here (and stands down) before it publishes beside the relay that leads now.
            self._conn.execute("SELECT 1")
            return self._read_from(self._position + 1)
        # On the lock's own session, which the read proves alive (as above), in one statement.
        return self._decoded(self._position + 1, *read_chained(self._conn, tables, self._position + 1, self.batch_size))

    def _read_from(self, start: int) -> Batch:
        """Up to `batch_size` notifications from `start` on, decoded, with their chain hashes. Touches
        only the reader's connection and the store's pool: runs beside `_commit`."""
        tables = log_tables(self.app)
        if tables is None:
            notifications = self.app.recorder.select_notifications(start=start, limit=self.batch_size)
            return self._decoded(start, notifications, {})
        if self._reader is None or self._reader.closed:
            self._reader = psycopg.connect(self.dsn, autocommit=True)
        # each event's chain hash rides in a header (shared.runtime.audit.chain)
        return self._decoded(start, *read_chained(self._reader, tables, start, self.batch_size))

    def _decoded(self, start: int, notifications: Sequence[Any], hashes: dict[int, bytes]) -> Batch:
        return Batch(start, [(n.id, self.mapper.to_domain_event(n)) for n in notifications], hashes)

    def _commit(self, batch: list[tuple[int, Any]], published: list[Published] | None = None) -> None:
        assert self._conn is not None
        with self._conn.pipeline(), self._conn.transaction():  # one round trip for the whole transaction
            # the outbox archive (shared.runtime.audit): what was published, and what was handled unpublished
            for subscriber in self.subscribers:
                subscriber(self._conn, batch)
            # and the position after the batch, in the same statement
            record_published(self._conn, [n for n, _ in batch], published or [], (self.position_name, batch[-1][0]))
        self._position = batch[-1][0]

    async def pump_once(self) -> int:
        """Publish the next batch and record the position after it; return how many notifications it
        covered. After a full batch the next one is read while this one is acknowledged and recorded
        (it is published by the next call, only if the position is still where this one left it)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and self._position is not None and ahead.start == self._position + 1:
            current = ahead  # the commit just before it ran on the lock's session: still leading
        else:
            current = await asyncio.to_thread(self._read_batch)
        batch = current.events
        if not batch:
            return 0
        messages: list[Message] = []
        published: list[Published] = []
        for notification_id, domain_event in batch:
            outbound = self.translate(domain_event)
            if outbound is None:
                continue
            envelope, value = encoded_for(self.service, domain_event, outbound)  # the bytes built once
            key = (envelope.order_id or envelope.aggregate_id).encode()
            headers = [
                ("notification_id", str(notification_id).encode()),
                ("event_type", envelope.event_type.encode()),
                ("schema_version", str(envelope.schema_version).encode()),
                ("correlation_id", envelope.correlation_id.encode()),
                *chain_header(current.hashes, notification_id),
            ]
            messages.append((key, value, headers))
            published.append((notification_id, envelope, value))
        futures = await send_batched(self.producer, self.topic, messages) if messages else []
        reading = None
        if len(batch) == self.batch_size:  # more is likely waiting: read it meanwhile
            reading = asyncio.ensure_future(asyncio.to_thread(self._read_from, batch[-1][0] + 1))
        try:
            if futures:
                await asyncio.gather(*futures)
            if futures and self.faults(FAULT_EXIT_AFTER_PUBLISH):
                log.error("fault injected: exiting after publish, before recording the position")
                os._exit(70)
            await asyncio.to_thread(self._commit, batch, published)
        finally:
            if reading is not None:  # never left running: `close` may follow
                with contextlib.suppress(Exception):
                    self._ahead = await reading
        self.on_published(len(messages))
        return len(batch)

    async def run(self, stop: asyncio.Event) -> None:
        """Lead when the lock is free, stand by otherwise; pump until stopped."""
        listener = asyncio.create_task(self.listen(stop))
        try:
            while not stop.is_set():
                self.wake.clear()  # a commit from here on wakes the next wait
                try:
                    if not self.is_leader:
                        self.is_leader = await asyncio.to_thread(self._try_lead)
                        if self.is_leader:
                            log.info("relay leading", extra={"topic": self.topic})
                    if self.is_leader and await self.pump_once() == self.batch_size:
                        continue
                except Exception as exc:
                    log_failure(log, "relay step failed; retrying", exc)
                    await asyncio.to_thread(self.close)
                await wait_any(stop, self.wake, seconds=self.interval if self.is_leader else 1.0)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await asyncio.to_thread(self.close)

    async def listen(self, stop: asyncio.Event) -> None:
        """Set `wake` on every commit to the events table (LISTEN on the recorder's NOTIFY channel)."""
        channel = getattr(self.app.recorder, "channel_name", None)
        if not channel:  # in-memory storage: polling only
            return
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self.wake.set()  # anything committed before LISTEN took effect
                    while not stop.is_set():
                        await notified(conn.pgconn)
                        self.wake.set()
            except (psycopg.Error, OSError) as exc:
                log.warning("relay listener lost its connection; polling meanwhile", extra={"error": repr(exc)})
                await wait_any(stop, seconds=LISTEN_RETRY)


async def notified(pgconn: Any) -> None:
    """Until a notification arrived on a LISTENing connection. The socket is watched by the event loop
    itself: psycopg's `notifies()` wakes up every 0.1 s to look, which cost an idle worker more than
    anything else it did."""
    loop = asyncio.get_running_loop()
    while True:
        pgconn.consume_input()  # raises when the connection is gone
        if list(iter(pgconn.notifies, None)):  # drain what arrived
            return
        readable: asyncio.Future[None] = loop.create_future()
        loop.add_reader(pgconn.socket, _resolve, readable)
        try:
            await readable
        finally:
            loop.remove_reader(pgconn.socket)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def wait_any(*events: asyncio.Event, seconds: float) -> None:
    """Return when any of the events is set, or after `seconds`."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
