"""CPU-seconds of the processes an audit read keeps busy, from /proc: this process, PostgreSQL (the
postmaster, its live backends and those it has reaped: a connection closed after a read still counts)
and the Kafka broker. On a machine shared with other work, CPU per event is the figure that holds."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.procstat import TICKS, children_of, cpu_seconds
from tools.launcher.stack import Stack

Sample = dict[str, float]


def _reaped(pid: int) -> float:
    """The CPU of a process's children it has waited for (cutime + cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / TICKS


def sample(stack: Stack) -> Sample:
    found: Sample = {}
    postgres, kafka = stack.procs.get("postgres"), stack.procs.get("kafka")
    if postgres:  # not when the bench runs against a PostgreSQL it did not start
        found["postgres"] = cpu_seconds(postgres) + _reaped(postgres) + sum(map(cpu_seconds, children_of(postgres)))
    if kafka:
        found["kafka"] = cpu_seconds(kafka)
    mine = resource.getrusage(resource.RUSAGE_SELF)  # last: the reading of /proc above is not the piece's
    found["self"] = mine.ru_utime + mine.ru_stime
    return found


def measured(stack: Stack, piece: Callable[[], float]) -> tuple[float, Sample]:
    """(the seconds `piece` says it took, the CPU-seconds each process spent meanwhile). Waits a moment
    after the piece, so that PostgreSQL has reaped the backend of a connection it closed."""
    before = sample(stack)
    seconds = piece()
    time.sleep(0.2)
    after = sample(stack)
    return seconds, {name: after[name] - before[name] for name in after}
