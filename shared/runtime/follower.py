"""Followers of a service's own notification log, each with its own position: side effects that
must happen once per event outside the database (e-mail). At least once: a crash between the
effect and the position write repeats the effect, so handlers give it a stable identity."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import psycopg

from shared.runtime.positions import read_position, write_position
from shared.runtime.store import HallmarkApplication

log = logging.getLogger("hallmark.follower")
EffectHandler = Callable[[Any, int], None]


def position_name(service: str, follower: str) -> str:
    """Where a follower's position is kept (hallmark_positions)."""
    return f"follow:{service}:{follower}"


class LogFollower:
    def __init__(
        self, app: HallmarkApplication, service: str, name: str, handle: EffectHandler, dsn: str, batch_size: int = 100
    ) -> None:
        self.app = app
        self.position_name = position_name(service, name)
        self.handle = handle
        self.dsn = dsn
        self.batch_size = batch_size
        self._conn: psycopg.Connection | None = None  # kept open between polls

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def step(self) -> int:
        """Handle the next notifications, recording the position after each one."""
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.dsn, autocommit=True)
        conn = self._conn
        position = read_position(conn, self.position_name)
        notifications = self.app.recorder.select_notifications(start=position + 1, limit=self.batch_size)
        for notification in notifications:
            self.handle(self.app.mapper.to_domain_event(notification), notification.id)
            write_position(conn, self.position_name, notification.id)
        return len(notifications)

    async def run(self, stop: asyncio.Event, interval: float, is_leader: Callable[[], bool]) -> None:
        try:
            while not stop.is_set():
                if is_leader():
                    try:
                        if await asyncio.to_thread(self.step) == self.batch_size:
                            continue
                    except Exception:
                        log.exception("follower step failed; retrying", extra={"follower": self.position_name})
                        await asyncio.to_thread(self.close)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
        finally:
            await asyncio.to_thread(self.close)
