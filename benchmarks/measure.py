"""Repeat a measurement, keep the median, print a part against its raw baseline."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

REPEATS = 3


@dataclass(frozen=True)
class Run:
    n: int
    seconds: float
    cpu: float = 0.0
    """CPU-seconds of this process during the run (the Python side's cost; Kafka's and PostgreSQL's apart)."""

    @property
    def rate(self) -> float:
        return self.n / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.n * 1e6


class Timed:
    """`with Timed() as t: ...` then t.seconds, t.cpu (wall and this process's CPU)."""

    def __enter__(self) -> Timed:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def median_run(runs: list[Run]) -> Run:
    """The run of median rate."""
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


def repeat(measure: Callable[[int], Run], repeats: int = REPEATS) -> Run:
    return median_run([measure(i) for i in range(repeats)])


async def repeat_async(measure: Callable[[int], Awaitable[Run]], repeats: int = REPEATS) -> Run:
    return median_run([await measure(i) for i in range(repeats)])


def report(name: str, part: Run, baseline_name: str, baseline: Run, goal: float) -> float:
    ratio = part.rate / baseline.rate
    for label, run in ((name, part), (baseline_name, baseline)):
        cpu = f"{run.cpu_us:7.0f} us CPU/event" if run.cpu else ""
        print(f"  {label:<54} {run.rate:>9.0f} /s  ({run.seconds:.2f} s for {run.n}) {cpu}")
    verdict = "meets" if ratio >= goal else "below"
    print(f"  {'ratio (hallmark / raw), median of ' + str(REPEATS):<54} {ratio:>9.2f}   goal >= {goal} ({verdict})\n")
    return ratio


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} of {', '.join(f'{v:.2f}' for v in values)}"
