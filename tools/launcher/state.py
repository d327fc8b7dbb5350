"""What a named stack keeps in its run directory (`<HALLMARK_HOME>/run/<name>/`):

- `stack.json`, the state of a running stack: what `hallmark down` stops and what `hallmark status`,
  `mail`, `dlq`, ... read, from another process. It exists only while the stack runs.
- `settings.json`, what `hallmark up` was told (port base, clock), remembered for the next `up` and
  for the commands that look at a stack that is not running.
- its data (PostgreSQL, Kafka's log, the clock, mail, the sandbox's records, logs), kept
  across stops and wiped by `hallmark reset` (`wipe`)."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path
from typing import Any

from tools.launcher.config import Ports
from tools.launcher.postgres import kept_data_dir
from tools.launcher.processes import INFRASTRUCTURE
from tools.launcher.procs import home, stop_pid


def run_dir_of(name: str) -> Path:
    return home() / "run" / name


def state_path(name: str) -> Path:
    return run_dir_of(name) / "stack.json"


def write_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2))


def read_state(name: str = "dev") -> dict[str, Any] | None:
    path = state_path(name)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def remember(name: str, port_base: int | None, clock: str) -> None:
    """What `up` was told, for the next `up` and for commands run while the stack is stopped."""
    path = run_dir_of(name) / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"port_base": port_base, "clock": clock}, indent=2))


def recall(name: str) -> dict[str, Any]:
    """What `up` was last told for this stack ({} if never started)."""
    path = run_dir_of(name) / "settings.json"
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    return data


def ports_of(name: str) -> Ports:
    """The ports of a named stack: those it runs on, else those it was last started with, else `make up`'s."""
    state = read_state(name)
    if state and "ports" in state.get("config", {}):
        recorded = state["config"]["ports"]
        return Ports(**recorded)
    return Ports.of(recall(name).get("port_base"))


def stop_from_state(name: str = "dev") -> bool:
    """Stop a stack started by another process (`hallmark down`). A durable stack's data stays."""
    state = read_state(name)
    if state is None:
        return False
    procs: dict[str, int] = state.get("procs", {})
    for pname, pid in procs.items():
        if pname not in INFRASTRUCTURE:  # services, worker replicas, auxiliaries first
            stop_pid(pid, timeout=15)
    if "kafka" in procs:
        stop_pid(procs["kafka"], timeout=20)
    if "postgres" in procs:
        stop_pid(procs["postgres"], timeout=20, sig=signal.SIGINT)
    if state.get("pg_dir") and not state.get("config", {}).get("durable", False):
        shutil.rmtree(state["pg_dir"], ignore_errors=True)
    state_path(name).unlink(missing_ok=True)
    return True


def wipe(name: str) -> list[Path]:
    """Delete a stopped stack's data (`hallmark reset`): its run directory and, if PostgreSQL had to
    keep its cluster elsewhere, that directory. Returns what was removed."""
    if read_state(name) is not None:
        raise RuntimeError(f"stack {name!r} is running; stop it first")
    run_dir = run_dir_of(name)
    removed = [path for path in (kept_data_dir(run_dir), run_dir) if path.exists()]
    for path in removed:
        shutil.rmtree(path)
    return removed
