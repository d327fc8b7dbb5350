"""One injectable clock. `CLOCK=manual` (never in production) reads an offset from a file that the
ops endpoint advances, so the API and worker of every service agree on the same manual time."""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from eventsourcing.domain import CanCreateTimestamp


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    manual = False

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Real time plus an offset kept in a JSON file; advanced only forward, by ops."""

    manual = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._mtime_ns = -1
        self._offset = 0.0

    def _read(self) -> float:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return 0.0
        if stat.st_mtime_ns != self._mtime_ns:
            self._offset = float(json.loads(self.path.read_text() or "{}").get("offset_seconds", 0.0))
            self._mtime_ns = stat.st_mtime_ns
        return self._offset

    def offset(self) -> timedelta:
        return timedelta(seconds=self._read())

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset()

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("seconds: the manual clock only moves forward")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            current = float(json.loads(handle.read() or "{}").get("offset_seconds", 0.0))
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"offset_seconds": current + seconds}))
            os.replace(tmp, self.path)
        self._mtime_ns = -1
        return self.now()


def make_clock(kind: str, path: str | None) -> SystemClock | ManualClock:
    if kind == "manual":
        if not path:
            raise ValueError("CLOCK_FILE is required for the manual clock")
        return ManualClock(path)
    return SystemClock()


def install_event_clock(clock: Clock) -> None:
    """Make eventsourcing stamp domain events with this clock (one clock per process)."""
    CanCreateTimestamp.create_timestamp = staticmethod(clock.now)  # type: ignore[method-assign]
