"""The state file of a running stack (run/<name>/stack.json): what `hallmark down` stops and what
`hallmark status` and `hallmark mail` read, from another process."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path
from typing import Any

from tools.launcher.processes import INFRASTRUCTURE
from tools.launcher.procs import home, stop_pid


def state_path(name: str) -> Path:
    return home() / "run" / name / "stack.json"


def write_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2))


def read_state(name: str = "dev") -> dict[str, Any] | None:
    path = state_path(name)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def stop_from_state(name: str = "dev") -> bool:
    """Stop a stack started by another process (`hallmark down`)."""
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
    if state.get("pg_dir"):
        shutil.rmtree(state["pg_dir"], ignore_errors=True)
    state_path(name).unlink(missing_ok=True)
    return True
