"""The faults, drawn from a seed: kill -9 of a service's worker or API (restarted at once), the broker
killed -9 and PostgreSQL stopped in 'immediate' mode (each restarted after a few seconds down, on its
data), a relay killed between publish and checkpoint (the worker's `relay_exit_after_publish` hook),
and one of two worker replicas killed -9 while the group rebalances."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.events import SERVICES
from shared.runtime.relay import FAULT_EXIT_AFTER_PUBLISH
from tests.infra import eventually
from tools.launcher.procs import port_open
from tools.launcher.stack import Stack

KINDS = ("kill-worker", "kill-api", "broker", "postgres", "relay", "replica")
PUBLISHING = ("orders", "inventory", "payments", "shipping")
"""The services the load makes publish (no tickets are opened): a relay fault needs something to publish."""
JOINING = "intake joining the group"
"""A worker's log line as its consumer joins the group: the group rebalances from then on."""


@dataclass(frozen=True)
class Fault:
    at: float
    """Seconds after the load started."""
    kind: str
    service: str = ""
    down: float = 0.0
    """How long the broker or PostgreSQL stays down."""


def schedule(seed: int, full: bool, span: float) -> list[Fault]:
    """Full: every service's worker and API once each, the broker and PostgreSQL twice each, a relay,
    a replica; bounded: one worker, one API, one broker restart. At random moments within `span`."""
    rng = random.Random(seed)
    if not full:
        worker, api = rng.sample(SERVICES, 2)
        kinds = [("kill-worker", worker), ("kill-api", api), ("broker", "")]
    else:
        kinds = [(k, s) for s in SERVICES for k in ("kill-worker", "kill-api")]
        kinds += [("broker", ""), ("broker", ""), ("postgres", ""), ("postgres", "")]
        kinds += [("relay", rng.choice(PUBLISHING)), ("replica", rng.choice(SERVICES))]
    moments = sorted(rng.uniform(0.1 * span, span) for _ in kinds)
    rng.shuffle(kinds)
    return [Fault(round(t, 1), k, s, round(rng.uniform(3, 8), 1)) for t, (k, s) in zip(moments, kinds, strict=True)]


@dataclass
class Chaos:
    stack: Stack
    log: list[str] = field(default_factory=list)
    broker_listen_s: list[float] = field(default_factory=list)
    outage_lines_per_s: list[float] = field(default_factory=list)
    """Log lines per second all workers wrote while the broker was down."""

    def say(self, text: str) -> None:
        line = f"[faults {time.strftime('%H:%M:%S')}] {text}"
        self.log.append(line)
        print(line, flush=True)

    def apply(self, fault: Fault) -> None:
        outage = f" (down {fault.down}s)" if fault.kind in ("broker", "postgres") else ""
        self.say(f"{fault.kind} {fault.service}".strip() + outage)
        getattr(self, fault.kind.replace("-", "_"))(fault)

    # --- the faults ---------------------------------------------------------------------------
    def kill_worker(self, fault: Fault) -> None:
        self.stack.stop_process(f"{fault.service}-worker", kill=True)
        self.start_worker(fault.service)

    def kill_api(self, fault: Fault) -> None:
        self.stack.stop_process(f"{fault.service}-api", kill=True)
        self.stack.start_api(fault.service)
        eventually(lambda: self.answers(fault.service), timeout=120, what=f"{fault.service} api back")

    def broker(self, fault: Fault) -> None:
        lines = self.worker_log_lines()
        self.stack.crash_infrastructure("kafka")
        time.sleep(fault.down)  # the outage itself
        restarted = time.monotonic()
        self.stack.restart_infrastructure("kafka")
        self.broker_listen_s.append(round(time.monotonic() - restarted, 1))
        outage = fault.down + self.broker_listen_s[-1]
        self.outage_lines_per_s.append(round((self.worker_log_lines() - lines) / outage, 1))
        self.say(f"broker listens again {self.broker_listen_s[-1]}s after its restart")

    def postgres(self, fault: Fault) -> None:
        self.stack.crash_infrastructure("postgres")
        time.sleep(fault.down)  # the outage itself
        self.stack.restart_infrastructure("postgres")

    def relay(self, fault: Fault) -> None:
        """The worker exits right after a publish, before the relay records its position."""
        name = f"{fault.service}-worker"
        self.stack.stop_process(name, kill=True)
        self.stack.start_worker(fault.service, {"FAULTS": FAULT_EXIT_AFTER_PUBLISH})
        code = eventually(lambda: self.stack.exit_code(name), timeout=180, what=f"{name} exits after a publish")
        assert code == 70, code
        self.start_worker(fault.service)

    def replica(self, fault: Fault) -> None:
        """A second worker joins the group; while the group rebalances, the first is killed -9."""
        self.stack.start_worker(fault.service, replica=1)
        log = self.stack.run_dir / "logs" / f"{fault.service}-worker-1.log"
        seen = eventually(lambda: line_with(log, JOINING), timeout=60, interval=0.05, what="the replica joining")
        self.say(f"{fault.service}-worker-1: {seen}; killing {fault.service}-worker")
        self.kill_worker(fault)

    # --- helpers --------------------------------------------------------------------------------
    def start_worker(self, service: str) -> None:
        self.stack.start_worker(service)
        metrics = self.stack.config.ports.metrics(service)
        eventually(lambda: port_open(metrics), timeout=120, what=f"{service} worker back")

    def answers(self, service: str) -> bool:
        try:
            return httpx.get(f"{self.stack.url(service)}/livez", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def worker_log_lines(self) -> int:
        logs = self.stack.run_dir / "logs"
        return sum(count_lines(logs / f"{s}-worker.log") for s in SERVICES)

    def stop_replicas(self) -> None:
        for service in SERVICES:
            self.stack.stop_process(f"{service}-worker-1")


def count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def line_with(log: Path, text: str) -> str:
    """The first line of a log holding `text` ('' while there is none)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return ""
    return next((line[:160] for line in lines if text in line), "")
