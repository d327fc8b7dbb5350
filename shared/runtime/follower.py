"""Followers of a service's own notification log, each with its own position: side effects that
must happen once per event outside the database (e-mail).

At least once, with the window made as small as it gets without the receiver's help: the position is
written right after each effect, and an effect whose position write failed (the database went away
just after the send) is remembered in the process, so the retry records the position without
repeating the effect. Only a crash of the process itself between the effect and the position write
repeats it; handlers give each effect a stable identity (the e-mail's Message-ID) so a repeat is
recognisable.

The worker wakes its followers when the relay has moved past newly committed events (a follower then
steps at most every `interval`, so that under load a step handles what arrived meanwhile); without a
wake-up they look every `idle_poll` seconds.

While an effect keeps failing (SMTP down, the database down), each failure is one log line with the
error (no traceback for an outage), retries back off exponentially up to a cap, and the first success
afterwards logs one summary line."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from eventsourcing.utils import resolve_topic

from shared.runtime.logs import is_outage
from shared.runtime.positions import read_position, write_position
from shared.runtime.store import HallmarkApplication
from shared.runtime.waits import wait_any

log = logging.getLogger("hallmark.follower")
EffectHandler = Callable[[Any, int], None]


@dataclass(frozen=True)
class Only:
    """An effect handler for events of these classes only: the follower skips the others by their stored
    topic, without decoding (unsealing) them, and moves its position past them once per step."""

    types: tuple[type, ...]
    handle: EffectHandler
    close: Callable[[], None] | None = None
    """Releases what the handler keeps between effects (its SMTP connection) when the follower stops."""

    def __call__(self, domain_event: Any, notification_id: int) -> None:
        self.handle(domain_event, notification_id)

    def wants(self, topic: str) -> bool:
        return issubclass(resolve_topic(topic), self.types)


def position_name(service: str, follower: str) -> str:
    """Where a follower's position is kept (hallmark_positions)."""
    return f"follow:{service}:{follower}"


class Positions(Protocol):
    def hold(self, name: str) -> bool:
        """Whether this process may run the follower `name` now (one process at a time)."""
        ...

    def read(self, name: str) -> int: ...

    def write(self, name: str, position: int) -> None: ...


class FollowerTaken(Exception):
    """Another process holds the follower since this one's session was lost: it stops here."""


class PostgresPositions:
    """hallmark_positions over one connection, opened again after it broke, holding the follower's own
    advisory lock on that same session: a process runs a follower only while its session holds the lock,
    so two workers never send the same e-mails at once, even right after PostgreSQL restarted (when an
    old leader has not yet noticed that its relay's lock went with the server)."""

    def __init__(self, dsn: str, application_name: str) -> None:
        self.dsn = dsn
        self.application_name = application_name
        self._conn: psycopg.Connection | None = None
        self._held = False

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._held = False  # a new session holds no lock
            self._conn = psycopg.connect(
                self.dsn, autocommit=True, connect_timeout=5, application_name=self.application_name
            )
        return self._conn

    def hold(self, name: str) -> bool:
        conn = self._connection()
        if not self._held:
            row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()
            self._held = bool(row and row[0])
        return self._held

    def read(self, name: str) -> int:
        return read_position(self._connection(), name)

    def write(self, name: str, position: int) -> None:
        if not self.hold(name):
            raise FollowerTaken(f"{name}: another worker runs this follower now")
        write_position(self._connection(), name, position)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class MemoryPositions:
    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    def hold(self, name: str) -> bool:
        return True

    def read(self, name: str) -> int:
        return self.positions.get(name, 0)

    def write(self, name: str, position: int) -> None:
        self.positions[name] = position


class LogFollower:
    def __init__(
        self,
        app: HallmarkApplication,
        service: str,
        name: str,
        handle: EffectHandler,
        positions: Positions,
        batch_size: int = 100,
        max_backoff: float = 10.0,
    ) -> None:
        self.app = app
        self.position_name = position_name(service, name)
        self.handle = handle
        self.positions = positions
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.done_unrecorded: set[int] = set()
        """Notifications whose effect happened but whose position write failed: not repeated."""

    def step(self) -> int:
        """Handle the next notifications, recording the position right after each one."""
        if not self.positions.hold(self.position_name):
            return 0  # another worker runs it
        position = self.positions.read(self.position_name)
        notifications = self.app.recorder.select_notifications(start=position + 1, limit=self.batch_size)
        only = self.handle if isinstance(self.handle, Only) else None
        for notification in notifications:
            if only is not None and not only.wants(notification.topic):
                continue  # no effect: re-reading it after a crash is harmless, its position is written below
            if notification.id not in self.done_unrecorded:
                self.handle(self.app.mapper.to_domain_event(notification), notification.id)
                self.done_unrecorded.add(notification.id)
            self.positions.write(self.position_name, notification.id)
            position = notification.id
            self.done_unrecorded = {n for n in self.done_unrecorded if n > notification.id}
        if notifications and notifications[-1].id > position:
            self.positions.write(self.position_name, notifications[-1].id)
        return len(notifications)

    def backoff(self, failures: int, interval: float) -> float:
        """interval, 2 interval, 4 interval, ... at most `max_backoff`."""
        return float(min(self.max_backoff, interval * 2 ** min(failures - 1, 30)))

    async def run(
        self,
        stop: asyncio.Event,
        interval: float,
        is_leader: Callable[[], bool],
        wake: asyncio.Event | None = None,
        idle_poll: float | None = None,
    ) -> None:
        """Step while leading: every `interval`, or, given `wake`, at most every `interval` and otherwise
        when woken or after `idle_poll` seconds."""
        try:
            failures, failing_since = 0, 0.0
            while not stop.is_set():
                wait, leading = interval, is_leader()
                if wake is not None:
                    wake.clear()  # what is committed from here on wakes the next wait
                if leading:
                    try:
                        handled = await asyncio.to_thread(self.step)
                    except Exception as exc:
                        failures += 1
                        failing_since = failing_since or time.monotonic()
                        wait = self.backoff(failures, interval)
                        extra = {"follower": self.position_name, "error": repr(exc), "failures": failures}
                        log.warning(
                            "follower step failed; retrying",
                            exc_info=None if is_outage(exc) else exc,
                            extra={**extra, "retry_in_s": round(wait, 3)},
                        )
                    else:
                        if failures:
                            log.info(
                                "follower recovered",
                                extra={
                                    "follower": self.position_name,
                                    "failures": failures,
                                    "outage_s": round(time.monotonic() - failing_since, 3),
                                },
                            )
                            failures, failing_since = 0, 0.0
                        if handled == self.batch_size:
                            continue
                await wait_any(stop, seconds=wait)
                if wake is not None and leading and not failures:
                    await wait_any(stop, wake, seconds=(idle_poll or interval) - wait)
        finally:
            for close in (getattr(self.handle, "close", None), getattr(self.positions, "close", None)):
                if close is not None:
                    await asyncio.to_thread(close)
