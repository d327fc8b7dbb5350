"""The operator's front door: `hallmark status --json` and `hallmark token` on the running system."""

from __future__ import annotations

import json
import subprocess
import sys

from tools.launcher.stack import Stack


def hallmark(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.launcher.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_status_json_lists_every_component_healthy(system: Stack) -> None:
    result = hallmark("--name", system.config.name, "status", "--json")
    rows = json.loads(result.stdout)
    assert result.returncode == 0, rows
    assert [r["component"] for r in rows] == [
        "kafka",
        "postgres",
        "smtp-sink",
        "payment-gateway",
        "carrier-sandbox",
    ] + [
        f"{s}-{part}" for s in ("orders", "inventory", "payments", "shipping", "tickets") for part in ("api", "worker")
    ]
    assert all(r["healthy"] for r in rows)


def test_token_command_mints_a_token_the_services_accept(system: Stack) -> None:
    import httpx

    token = hallmark("token", "--role", "ops", "--subject", "ops-cli").stdout.strip()
    response = httpx.get(f"{system.url('orders')}/admin/positions", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert hallmark("token", "--role", "admin", "--subject", "x").returncode == 2
