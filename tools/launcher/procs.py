"""Starting, waiting for and stopping local processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def home() -> Path:
    """Where the launcher keeps jars, logs and run state (HALLMARK_HOME, default .hallmark/)."""
    path = Path(os.environ.get("HALLMARK_HOME") or repo_root() / ".hallmark")
    path.mkdir(parents=True, exist_ok=True)
    return path


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    interval: float = 0.2,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if not alive():
            raise RuntimeError(f"{what}: the process exited while starting")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f}s")
        time.sleep(interval)


def spawn(
    cmd: list[str], log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None, user: str | None = None
) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
            user=user,
        )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return True


def stop_pid(pid: int, timeout: float = 15.0, sig: int = signal.SIGTERM) -> None:
    """Signal the process group of `pid`, then wait; escalate to SIGKILL after `timeout`."""
    for target in (lambda s: os.killpg(pid, s), lambda s: os.kill(pid, s)):
        try:
            target(sig)
            break
        except (ProcessLookupError, PermissionError):
            continue
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.1)
    if pid_alive(pid):
        for target in (lambda s: os.killpg(pid, s), lambda s: os.kill(pid, s)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                target(signal.SIGKILL)
        _reap(pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
