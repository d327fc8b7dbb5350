"""The operator's front door: `hallmark status` and `hallmark token` on the running system."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from tools.launcher.stack import Stack

TOPICS = {
    "orders": ("inventory.events", "payments.events", "shipping.events"),
    "inventory": ("orders.events",),
    "payments": ("orders.events", "inventory.events", "shipping.events", "tickets.events"),
    "shipping": ("orders.events", "inventory.events", "payments.events"),
    "tickets": ("orders.events", "inventory.events", "shipping.events", "payments.events"),
}


def hallmark(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.launcher.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_status_json_lists_every_component_healthy(system: Stack) -> None:
    result = hallmark("--name", system.config.name, "status", "--json")
    rows = json.loads(result.stdout)["components"]
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


def test_status_shows_per_service_relay_lag_consumer_lag_per_partition_dlq_timers_and_sla_lists(
    system: Stack,
) -> None:
    report = json.loads(hallmark("--name", system.config.name, "status", "--json").stdout)
    services = report["services"]
    assert list(services) == list(TOPICS)
    prefix = f"{system.config.namespace}."
    for service, figures in services.items():
        assert "error" not in figures, figures
        for key in ("relay_lag", "dlq_open", "timers_due", "timers_pending"):
            assert isinstance(figures[key], int) and figures[key] >= 0, (service, key)
        assert set(figures["consumer_lag"]) == {f"{prefix}{t}:{p}" for t in TOPICS[service] for p in range(6)}
        for partition in figures["consumer_lag"].values():
            assert partition["lag"] == max(partition["end"] - partition["committed"], 0)
    assert set(services["shipping"]["sla"]) == {"late parcels (S3)", "refused quotes (S1)"}
    assert set(services["tickets"]["sla"]) == {"reply SLA breached (T3)"}
    text = hallmark("--name", system.config.name, "status").stdout
    assert f"consumer lag per partition  {prefix}orders.events [" in text


def test_token_command_mints_a_token_the_services_accept(system: Stack) -> None:
    token = hallmark("token", "--role", "ops", "--subject", "ops-cli").stdout.strip()
    response = httpx.get(f"{system.url('orders')}/admin/positions", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert hallmark("token", "--role", "admin", "--subject", "x").returncode == 2
