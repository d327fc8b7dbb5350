"""CPU per process of a running stack (from /proc), and py-spy profiles of some of its processes."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from tools.launcher.procs import home
from tools.launcher.stack import Stack

TICKS = os.sysconf("SC_CLK_TCK")
Profiles = list[tuple[subprocess.Popen[bytes], Path]]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def cpu_by_process(stack: Stack) -> dict[str, float]:
    """CPU-seconds so far of each process of the stack (PostgreSQL with its backends), and of this
    process as `load-generator`."""
    usage = {name: cpu_seconds(pid) for name, pid in stack.procs.items() if pid}
    if stack.procs.get("postgres"):  # the postmaster's backends do the work
        usage["postgres"] += sum(cpu_seconds(p) for p in children_of(stack.procs["postgres"]))
    self = resource.getrusage(resource.RUSAGE_SELF)
    usage["load-generator"] = self.ru_utime + self.ru_stime
    return usage


def start_profiles(stack: Stack, names: list[str]) -> Profiles:
    """py-spy samples the named processes (only the thread holding the GIL: Python CPU, not waits)
    until `stop_profiles`; collapsed stacks under `.hallmark/bench/`, read with
    `python -m benchmarks.profile FILE`."""
    spy = Path(sys.executable).with_name("py-spy")
    out = home() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    started: Profiles = []
    for name in names:
        path = out / f"profile-{name}-{time.strftime('%Y%m%dT%H%M%S')}.txt"
        cmd = [str(spy), "record", "--pid", str(stack.procs[name]), "--format", "raw", "--rate", "50", "--gil"]
        cmd += ["--output", str(path)]
        started.append((subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), path))
    return started


def stop_profiles(started: Profiles) -> None:
    for proc, path in started:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        print(f"profile: {path}")
