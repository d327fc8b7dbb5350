"""A stack an operator starts (`hallmark --name N up --port-base B`) keeps its data across `down`/`up`
and Ctrl-C, goes on where it was without applying anything twice, and `hallmark reset` wipes it.
Its payments hold every order for review (PAYMENTS_FRAUD_SHARE=1), so the README's P5 step runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiokafka import AIOKafkaProducer

from tests.infra import eventually
from tests.integration.cli_stack import (
    CLI_PORT_BASE,
    ENV,
    SERVICES,
    KeptStack,
    Ops,
    ensure_up,
    hallmark,
    new_name,
    snapshot,
    start_foreground,
    status,
    stuck,
    up,
    wait_until_up,
)
from tools.launcher.config import Ports
from tools.launcher.kafka_ops import read_topic
from tools.launcher.postgres import kept_data_dir
from tools.launcher.procs import home, port_open
from tools.launcher.stack import Stack
from tools.launcher.state import read_state

PORTS = Ports.offset(CLI_PORT_BASE)


@pytest.fixture(scope="module")
def kept() -> Iterator[KeptStack]:
    name = new_name()
    ops = Ops(PORTS)
    try:
        up(name, "--port-base", str(CLI_PORT_BASE))
        stack = KeptStack(name, ops)
        stack.wait_quiet()
        before = stack.consumed()
        stack.order_id = stack.place_and_confirm()
        stack.wait_quiet()
        after = stack.consumed()
        stack.applied_for_one_order = {
            s: {k: v - before[s].get(k, 0) for k, v in after[s].items() if v - before[s].get(k, 0)} for s in SERVICES
        }
        yield stack
    finally:
        ops.close()
        hallmark("--name", name, "reset", "--yes", timeout=120)


def test_down_then_up_keeps_the_order_its_terms_positions_and_clock_and_applies_nothing_again(
    kept: KeptStack,
) -> None:
    terms_at = (datetime.now(UTC) + timedelta(hours=10)).isoformat()  # 10 h after placing: the 15 % fee
    kept.ops.post("orders", "/admin/clock/advance", json={"seconds": 3600})
    kept.wait_quiet()
    before = snapshot(kept.ops, kept.order_id, terms_at)
    assert before["terms"]["fee"] == {"amount_minor": 702, "currency": "USD"}  # 15 % of 4680

    assert hallmark("--name", kept.name, "down", timeout=120).returncode == 0
    assert read_state(kept.name) is None and not port_open(PORTS.services["orders"])
    assert (kept.run_dir / "kafka-data" / "meta.properties").exists()
    assert (kept_data_dir(kept.run_dir) / "data" / "PG_VERSION").exists()
    assert json.loads((kept.run_dir / "clock.json").read_text())["offset_seconds"] == 3600

    up(kept.name)  # no --port-base: the stack's block is remembered

    after = snapshot(kept.ops, kept.order_id, terms_at)
    assert after == before
    offset = datetime.fromisoformat(kept.ops.get("orders", "/admin/clock")["now"]) - datetime.now(UTC)
    assert timedelta(minutes=59) < offset < timedelta(minutes=61)
    # A second order through the same steps: each worker counts what it consumed since it started. Had
    # anything of the first order been redelivered and applied, the counts would exceed one order's.
    second = kept.place_and_confirm()
    kept.wait_quiet()
    assert kept.ops.get("orders", f"/orders/{second}")["status"] == "Confirmed"
    consumed = kept.consumed()
    assert consumed == kept.applied_for_one_order
    assert all("duplicate" not in outcomes for outcomes in consumed.values())
    assert consumed["inventory"]["applied"] >= 1 and consumed["orders"]["applied"] >= 1


def test_stuck_lists_orders_past_a_deadline_with_their_last_event_and_the_call_that_moves_them(
    kept: KeptStack,
) -> None:
    ensure_up(kept)
    assert kept.order_id not in stuck(kept.name)  # confirmed about an hour ago (stack time)
    kept.ops.post("orders", "/admin/clock/advance", json={"seconds": 48 * 3600})

    def breached() -> dict[str, Any] | None:
        found = stuck(kept.name).get(kept.order_id)
        return found if found and found["last_event"]["type"] == "Order.PickingSlaBreached" else None

    found = eventually(breached, timeout=60, interval=1, what="the picking SLA breach recorded on the order")
    start = f"POST http://127.0.0.1:{PORTS.services['inventory']}/picking/{kept.order_id}/start (ops)"
    assert (found["status"], found["why"], found["limit_hours"], found["next_call"]) == (
        "Confirmed",
        "picking not started",
        48,
        start,
    )
    assert 49 <= found["hours"] < 50

    def both_breached() -> dict[str, Any] | None:
        report = status(kept.name)["services"]
        return report if report["orders"]["sla"]["picking SLA breached (O6)"] == 2 else None  # both orders

    report = eventually(both_breached, timeout=60, interval=1, what="both orders' picking SLA breaches")
    assert report["inventory"]["sla"]["picking overdue (I4)"] == 2
    assert report["inventory"]["timers_due"] == 0 and report["inventory"]["timers_pending"] == 0

    kept.ops.post("inventory", f"/picking/{kept.order_id}/start")  # the call `stuck` named
    moved = eventually(
        lambda: (s := stuck(kept.name).get(kept.order_id)) and s["status"] == "Processing" and s,
        timeout=60,
        what="the order moved on to Processing",
    )
    assert moved["why"] == "picking not finished" and f"/picking/{kept.order_id}/finish" in moved["next_call"]


def test_dlq_commands_list_retry_and_skip_dead_letters(kept: KeptStack) -> None:
    ensure_up(kept)

    async def publish() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{PORTS.kafka}")
        await producer.start()
        try:
            await producer.send_and_wait("orders.events", b"not an envelope", key=b"poison")
        finally:
            await producer.stop()

    asyncio.run(publish())

    def letters() -> list[dict[str, Any]]:
        result = hallmark("--name", kept.name, "dlq", "list", "--json")
        return [d for d in json.loads(result.stdout) if d["value"] == "not an envelope"]

    found = eventually(lambda: len(letters()) == 4 and letters(), timeout=60, what="four consumers dead-lettered it")
    assert sorted(d["service"] for d in found) == ["inventory", "payments", "shipping", "tickets"]
    assert status(kept.name)["services"]["inventory"]["dlq_open"] == 1
    letter = next(d for d in found if d["service"] == "inventory")

    retried = hallmark("--name", kept.name, "dlq", "retry", "inventory", str(letter["id"]))
    assert retried.returncode == 1 and "still failing" in retried.stdout
    skipped = hallmark("--name", kept.name, "dlq", "skip", "inventory", str(letter["id"]))
    assert skipped.returncode == 0 and json.loads(skipped.stdout) == {"id": letter["id"], "status": "skipped"}
    assert [d["service"] for d in letters()] == ["payments", "shipping", "tickets"]
    listed = hallmark("--name", kept.name, "dlq", "list", "--service", "inventory", "--status", "skipped", "--json")
    assert [d["id"] for d in json.loads(listed.stdout)] == [letter["id"]]


def test_kafka_commands_run_kafkas_own_consumer_and_group_tools(kept: KeptStack) -> None:
    ensure_up(kept)
    consumed = hallmark(
        "--name", kept.name, "kafka", "consume", "orders.events", "--from-beginning", "--max-messages", "3"
    )
    assert consumed.returncode == 0, consumed.stderr
    # the topic also holds the DLQ test's poison message (one at most): of three, two are envelopes
    assert consumed.stdout.count('"event_type":"Order') >= 2, consumed.stdout
    groups = hallmark("--name", kept.name, "kafka", "groups")
    assert {f"hallmark-{s}" for s in SERVICES} <= set(groups.stdout.split())
    described = hallmark("--name", kept.name, "kafka", "groups", "--describe", "inventory")
    header = next(line.split() for line in described.stdout.splitlines() if line.startswith("GROUP"))
    assert header[:6] == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"]
    rows = [line.split() for line in described.stdout.splitlines() if line.startswith("hallmark-inventory")]
    assert sorted(int(r[2]) for r in rows) == list(range(6)) and {r[1] for r in rows} == {"orders.events"}


def open_paths(pid: int) -> set[Path]:
    """Every file and directory a process holds open."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("/"):
                found.add(Path(target))
    return found


def test_stacks_of_two_names_share_no_file(system: Stack, kept: KeptStack) -> None:
    ensure_up(kept)
    state = read_state(kept.name)
    assert state is not None
    stacks = {
        kept.name: (kept.run_dir, state["procs"], state["config"]["namespace"]),
        system.config.name: (system.run_dir, system.procs, system.config.namespace),
    }
    jars = home() / "kafka-libs"  # the one thing shared: Kafka's jars, read only
    for name, (run_dir, procs, namespace) in stacks.items():
        own = {run_dir.resolve(), kept_data_dir(run_dir).resolve()}
        for process, pid in procs.items():
            for path in open_paths(pid):
                if path.is_relative_to(home()) or path.is_relative_to(tempfile.gettempdir()):
                    assert any(path.is_relative_to(d) for d in (*own, jars)), (name, process, path)
            if process.endswith("-worker"):
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                assert f"TMPDIR={run_dir / 'tmp'}".encode() in environ, (name, process)
        faust = {p.name for p in (run_dir / "tmp" / "hallmark-faust").iterdir()}
        prefix = f"{namespace}." if namespace else ""
        assert faust == {prefix + s for s in SERVICES}, (name, faust)


def test_ctrl_c_keeps_the_data_and_reset_wipes_it_after_asking(kept: KeptStack) -> None:
    if read_state(kept.name):
        assert hallmark("--name", kept.name, "down", timeout=120).returncode == 0
    foreground = start_foreground(kept.name, ENV)
    try:
        wait_until_up(foreground)
        kept.wait_quiet()
        events = kept.ops.get("orders", "/admin/positions")["relay"]["stored"]
        foreground.send_signal(signal.SIGINT)  # Ctrl-C
        assert foreground.wait(timeout=120) == 0
    finally:
        if foreground.poll() is None:
            foreground.kill()
    assert read_state(kept.name) is None and not port_open(PORTS.kafka) and not port_open(PORTS.postgres)

    up(kept.name, "--infra-only")
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{PORTS.postgres}/hallmark_orders") as conn:
        row = conn.execute("SELECT max(notification_id) FROM ordersapplication_events").fetchone()
    assert row is not None and row[0] == events
    placed = [m for m in read_topic(f"127.0.0.1:{PORTS.kafka}", "orders.events") if b'"OrderPlaced"' in m]
    assert len(placed) == 2

    refused = hallmark("--name", kept.name, "reset")  # no terminal to ask on, no --yes
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert kept.run_dir.exists()
    wiped = hallmark("--name", kept.name, "reset", "--yes", timeout=120)
    assert wiped.returncode == 0, wiped.stderr
    assert not kept.run_dir.exists() and not kept_data_dir(kept.run_dir).exists()
    assert not port_open(PORTS.kafka) and not port_open(PORTS.postgres)
