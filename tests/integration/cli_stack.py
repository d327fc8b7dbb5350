"""A stack started the way an operator starts one: `hallmark --name NAME up ...` in another process,
on its own Kafka and PostgreSQL, in the block of ports after the suite's 800 (PORT_BASE + 800 ..
+ 999). Helpers read it as an operator would: over HTTP as ops, and from its worker metrics."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tests.infra import PORT_BASE, eventually
from tests.integration.readme import json_lines, quick_start_blocks, run_blocks
from tools.launcher.config import Ports
from tools.launcher.procs import repo_root
from tools.launcher.state import read_state, run_dir_of

CLI_PORT_BASE = PORT_BASE + 800
SERVICES = ("orders", "inventory", "payments", "shipping", "tickets")
ENV = {"PAYMENTS_FRAUD_SHARE": "1"}
"""Payments holds every order for review (P5), so the README's review step runs too."""
PRINT_ORDER = '\necho "{\\"order_id\\": \\"$O\\"}"\n'
"""Appended to README blocks: the order id they kept in $O, as the last JSON line."""


def new_name() -> str:
    return "test-cli-" + secrets.token_hex(3)


def hallmark(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.launcher.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=repo_root(),
        env={**os.environ, **(env or {})},
    )


def start_foreground(name: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """`hallmark up` in the foreground, as `make up` runs it (stopped by Ctrl-C, i.e. SIGINT)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tools.launcher.cli", "--name", name, "up"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=repo_root(),
        env={**os.environ, **env},
    )


def wait_until_up(proc: subprocess.Popen[str]) -> str:
    """Read its output until it says how to stop it (everything is ready then)."""
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("Ctrl-C"):
            return "".join(seen)
    raise AssertionError(f"hallmark up ended before it was up (exit {proc.wait()}):\n{''.join(seen)}")


class Ops:
    def __init__(self, ports: Ports) -> None:
        platform = PlatformSettings()
        token = mint(platform.jwt_secret, platform.jwt_issuer, "ops", "ops-test")
        self.ports = ports
        self.http = httpx.Client(timeout=15, headers={"authorization": f"Bearer {token}"})

    def get(self, service: str, path: str, **kwargs: Any) -> Any:
        response = self.http.get(f"http://127.0.0.1:{self.ports.services[service]}{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def post(self, service: str, path: str, **kwargs: Any) -> Any:
        response = self.http.post(f"http://127.0.0.1:{self.ports.services[service]}{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def consumed(self, service: str) -> dict[str, float]:
        """The worker's `hallmark_events_consumed_total` by outcome, since it started."""
        text = httpx.get(f"http://127.0.0.1:{self.ports.metrics(service)}/metrics", timeout=10).text
        found = re.findall(r'hallmark_events_consumed_total\{outcome="(\w+)",service="\w+"\} ([0-9.e+]+)', text)
        return {outcome: float(value) for outcome, value in found}

    def close(self) -> None:
        self.http.close()


def snapshot(ops: Ops, order_id: str, terms_at: str) -> dict[str, Any]:
    """What must not change across a restart: the order, its terms at one instant, its history, and
    every service's relay and consumer positions."""
    return {
        "order": ops.get("orders", f"/orders/{order_id}"),
        "terms": ops.get("orders", f"/orders/{order_id}/cancellation-terms", params={"at": terms_at}),
        "history": ops.get("orders", f"/admin/history/{order_id}"),
        "payments": ops.get("payments", f"/payments/{order_id}"),
        "positions": {s: ops.get(s, "/admin/positions") for s in SERVICES},
    }


def status(name: str) -> dict[str, Any]:
    result = hallmark("--name", name, "status", "--json")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def quiet(report: dict[str, Any]) -> bool:
    """Nothing left to publish or to consume (committed offsets at the end of every partition)."""
    services = report["services"]
    return bool(services) and all(
        f["relay_lag"] == 0 and f["consumer_lag"] and all(p["lag"] == 0 for p in f["consumer_lag"].values())
        for f in services.values()
    )


@dataclass
class KeptStack:
    name: str
    ops: Ops
    order_id: str = ""
    applied_for_one_order: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        return run_dir_of(self.name)

    def place_and_confirm(self) -> str:
        """The README's first two blocks (place, pay, approve the review, confirmed); the order id."""
        result = run_blocks(quick_start_blocks()[:2], self.ops.ports, tail=PRINT_ORDER)
        assert result.returncode == 0, result.stderr[-2000:]
        printed = json_lines(result.stdout)
        assert printed[-2]["status"] == "Confirmed"
        return str(printed[-1]["order_id"])

    def wait_quiet(self) -> None:
        eventually(lambda: quiet(status(self.name)), timeout=120, interval=1, what="nothing left to relay or consume")

    def consumed(self) -> dict[str, dict[str, float]]:
        """Per service, the messages its worker consumed since it started, by outcome (none: left out)."""
        return {s: {k: v for k, v in self.ops.consumed(s).items() if v} for s in SERVICES}


def up(name: str, *args: str) -> None:
    """`hallmark --name NAME up --detach ...`, as an operator would, with payments holding every order."""
    result = hallmark("--name", name, "up", "--detach", *args, env=ENV, timeout=420)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def ensure_up(kept: KeptStack) -> None:
    if read_state(kept.name) is None:
        up(kept.name)


def stuck(name: str) -> dict[str, dict[str, Any]]:
    result = hallmark("--name", name, "stuck", "--json")
    assert result.returncode == 0, result.stderr
    return {s["order_id"]: s for s in json.loads(result.stdout)}
