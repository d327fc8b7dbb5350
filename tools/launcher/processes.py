"""The processes a stack started, by name, so that it can stop every one of them (and only them)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.launcher.procs import repo_root, spawn, stop_pid

INFRASTRUCTURE = ("kafka", "postgres")
"""Stopped last, after everything that uses them."""


class ProcessTable:
    """Name -> pid (and the Popen handle of what this process spawned); `on_change` runs after every
    change that matters to the state file."""

    def __init__(self, on_change: Callable[[], None] = lambda: None) -> None:
        self.pids: dict[str, int] = {}
        self.handles: dict[str, subprocess.Popen[bytes]] = {}
        self.on_change = on_change

    def spawn(self, name: str, cmd: list[str], log_path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        proc = spawn(cmd, log_path, env=env, cwd=repo_root())
        self.pids[name] = proc.pid
        self.handles[name] = proc
        self.on_change()
        return proc

    def record(self, name: str, pid: int) -> None:
        """A process started by someone else (Kafka and PostgreSQL keep their own handles)."""
        self.pids[name] = pid
        self.on_change()

    def forget(self, name: str) -> None:
        self.pids.pop(name, None)
        self.handles.pop(name, None)

    def stop(self, name: str, *, kill: bool = False) -> None:
        pid = self.pids.pop(name, None)
        handle = self.handles.pop(name, None)
        if pid and (handle is None or handle.poll() is None):
            stop_pid(pid, timeout=15, sig=signal.SIGKILL if kill else signal.SIGTERM)
            self.on_change()

    def stop_all_but_infrastructure(self) -> None:
        """Services, worker replicas and auxiliaries: whatever runs on top of Kafka and PostgreSQL."""
        for name in [n for n in self.pids if n not in INFRASTRUCTURE]:
            self.stop(name)

    def exit_code(self, name: str) -> int | None:
        """Exit status of a process that ended by itself (None while it runs)."""
        handle = self.handles.get(name)
        if handle is None or handle.poll() is None:
            return None
        self.forget(name)
        return handle.returncode


@contextmanager
def timed(timings: dict[str, float], what: str) -> Iterator[None]:
    """Record how long a step of starting took (`hallmark up` prints them)."""
    started = time.monotonic()
    yield
    timings[what] = time.monotonic() - started
