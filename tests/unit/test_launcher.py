"""The launcher's own rules: port blocks and the ephemeral range, what a stack keeps and where, the
reset's confirmation, and what `hallmark stuck` says would move an order (no processes started)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.events import SERVICES
from tools.launcher import cli
from tools.launcher.auxiliary import AUXILIARIES
from tools.launcher.config import PORT_BLOCK, Ports, StackConfig, check_port_base, ephemeral_range
from tools.launcher.stack import Stack
from tools.launcher.state import ports_of, recall, remember, run_dir_of
from tools.launcher.stuck import Assessor, Limits
from tools.launcher.target import OpsClient, Target

LINUX = (32768, 60999)


@pytest.fixture(autouse=True)
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HALLMARK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.parametrize("base", [1024, 24000, 29000, 32768 - PORT_BLOCK, 61000, 65536 - PORT_BLOCK])
def test_a_port_block_apart_from_the_ephemeral_range_is_accepted(base: int) -> None:
    check_port_base(base, LINUX)


@pytest.mark.parametrize("base", [32768 - PORT_BLOCK + 1, 32768, 40000, 60999, 60900])
def test_a_port_block_reaching_the_ephemeral_range_is_refused_with_the_range_and_a_way_out(base: int) -> None:
    with pytest.raises(ValueError) as refused:
        check_port_base(base, LINUX)
    message = str(refused.value)
    assert "ephemeral port range 32768-60999" in message
    assert f"choose a base from 1024 to {32768 - PORT_BLOCK} or from 61000 to {65536 - PORT_BLOCK}" in message


@pytest.mark.parametrize("base", [0, 1023, 65400])
def test_a_port_block_outside_the_listenable_ports_is_refused(base: int) -> None:
    with pytest.raises(ValueError, match="within 1024-65535"):
        check_port_base(base, LINUX)


def test_every_port_of_a_block_lies_inside_it() -> None:
    ports = Ports.offset(24000)
    every = [ports.kafka, ports.kafka_controller, ports.postgres, ports.smtp, ports.payment_gateway, ports.carrier]
    every += [*ports.services.values()] + [ports.metrics(s, r) for s in SERVICES for r in range(4)]
    assert len(set(every)) == len(every)
    assert all(24000 <= port < 24000 + PORT_BLOCK for port in every)


def test_up_refuses_a_base_in_the_ephemeral_range_before_starting_anything(
    own_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    low, _ = ephemeral_range()
    assert cli.main(["--name", "x", "up", "--port-base", str(low)]) == 2
    assert "ephemeral port range" in capsys.readouterr().err
    assert not run_dir_of("x").exists()


def test_the_port_base_is_remembered_for_the_next_up_and_for_the_other_commands() -> None:
    assert ports_of("demo") == Ports()
    remember("demo", 24000, "manual")
    assert recall("demo") == {"port_base": 24000, "clock": "manual"}
    assert ports_of("demo") == Ports.offset(24000)


def test_reset_asks_first_and_refuses_without_a_terminal_unless_told_yes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    remember("demo", None, "manual")
    (run_dir_of("demo") / "clock.json").write_text('{"offset_seconds": 60}')
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli.main(["--name", "demo", "reset"]) == 1
    assert "--yes" in capsys.readouterr().err and run_dir_of("demo").exists()
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _: "n")
    assert cli.main(["--name", "demo", "reset"]) == 1 and run_dir_of("demo").exists()
    assert cli.main(["--name", "demo", "reset", "--yes"]) == 0
    assert not run_dir_of("demo").exists()
    assert cli.main(["--name", "demo", "reset", "--yes"]) == 0  # nothing left: nothing to do


def paths_of(stack: Stack) -> set[str]:
    """Every file or directory a stack's processes are told about (environment and arguments)."""
    env = stack.service_env("payments")
    told = {env[k] for k in ("TMPDIR", "CLOCK_FILE")}
    for aux in AUXILIARIES:
        told |= {a for a in aux.args(stack.config.ports, stack.run_dir) if a.startswith("/")}
    return told


def test_two_stacks_of_two_names_are_told_no_common_path() -> None:
    first = Stack(StackConfig(name="one", ports=Ports.offset(24000)))
    second = Stack(StackConfig(name="two", ports=Ports.offset(24200)))
    for stack in (first, second):
        assert all(Path(p).is_relative_to(stack.run_dir) for p in paths_of(stack)), paths_of(stack)
    assert not paths_of(first) & paths_of(second)
    assert first.service_env("orders")["TMPDIR"] == str(first.run_dir / "tmp")  # Faust's data directories


class Unused(OpsClient):
    def json(self, service: str, path: str, **kwargs: Any) -> Any:
        raise AssertionError(f"not asked for: {service} {path}")


def rule(order: dict[str, Any]) -> tuple[str, float, str, str] | None:
    stack = Target("t", Ports.offset(24000), "", "127.0.0.1:24092", "127.0.0.1:24033", True)
    return Assessor(Unused(stack), datetime.now(UTC), Limits())._rule(order)


ORDER = {"order_id": "o-1", "placed_at": "P", "confirmed_at": "C", "total": {"amount_minor": 4680}, "sample": False}


def test_stuck_names_the_call_that_moves_an_order_on_from_each_status() -> None:
    card = {**ORDER, "status": "PendingPayment", "payment_method": "card"}
    assert rule(card) == (
        "P",
        24,
        "not paid",
        "POST http://127.0.0.1:24001/orders/o-1/cancel (ops; free while pending, O5)",
    )
    transfer = {**ORDER, "status": "PendingPayment", "payment_method": "bank_transfer"}
    assert rule(transfer) == (
        "P",
        24,
        "not paid",
        'POST http://127.0.0.1:24003/payments/o-1/settle {"amount_minor": 4680, "purpose": "goods"} (staff)',
    )
    assert rule({**ORDER, "status": "Confirmed"}) == (
        "C",
        48,
        "picking not started",
        "POST http://127.0.0.1:24002/picking/o-1/start (ops)",
    )
    quoted = {"quoted_at": "Q", "cost_minor": 1890, "paid": False}
    assert rule({**ORDER, "status": "AwaitingShippingPayment", "shipping": quoted}) == (
        "Q",
        72,
        "shipping not paid",
        'POST http://127.0.0.1:24003/payments/o-1/settle {"amount_minor": 1890, "purpose": "shipping"} '
        "(a transfer that arrived)",
    )
    paid = {**quoted, "paid": True}
    assert rule({**ORDER, "status": "AwaitingShippingPayment", "shipping": paid}) == (
        "Q",
        72,
        "shipping paid, not dispatched",
        "POST http://127.0.0.1:24004/shipments/o-1/dispatch (ops)",
    )
    for final in ("Delivered", "Completed", "Cancelled"):
        assert rule({**ORDER, "status": final}) is None


def test_kafka_cluster_ids_never_start_with_a_dash_which_storage_tool_would_read_as_an_option() -> None:
    from tools.launcher.kafka import _cluster_id

    ids = {_cluster_id() for _ in range(2000)}  # 1 in 64 would start with '-' if drawn once
    assert len(ids) == 2000 and all(len(i) == 22 and not i.startswith("-") for i in ids)
