"""Auxiliary processes: local stand-ins for the parties outside the shop (an SMTP sink for mail, the
payment provider's sandbox). The services are pointed at them through their environment.

To add one: give it a port in `Ports` (and in `Ports.offset`), and an `Auxiliary` in AUXILIARIES."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.shipping.settings import ShippingSettings
from tools.launcher.config import Ports
from tools.launcher.processes import ProcessTable
from tools.launcher.procs import port_open, repo_root, wait_until


@dataclass(frozen=True)
class Auxiliary:
    name: str
    """Its process and log file name."""
    component: str
    """How `hallmark status` and the state file name it."""
    title: str
    """Its row in `hallmark up`'s summary."""
    port: Callable[[Ports], int]
    module: str
    """Run as `python -m <module> <args...> --host 127.0.0.1 --port <port>`."""
    args: Callable[[Ports, Path], list[str]]
    """Its arguments, given the stack's ports and run directory (where it keeps what it records)."""
    env: Callable[[int], dict[str, str]]
    """What the services are told, given its port."""
    where: Callable[[int, Path], str]
    """Where to find it (and what it keeps), given its port and the run directory."""

    def start(self, ports: Ports, run_dir: Path, processes: ProcessTable) -> None:
        port = self.port(ports)
        proc = processes.spawn(
            self.name,
            [sys.executable, "-m", self.module, *self.args(ports, run_dir), "--host", "127.0.0.1", "--port", str(port)],
            run_dir / "logs" / f"{self.name}.log",
            env={**os.environ, "PYTHONPATH": str(repo_root()), "TMPDIR": str(run_dir / "tmp")},
        )
        wait_until(lambda: port_open(port), 30, self.name, alive=lambda: proc.poll() is None)


MAIL_SINK = Auxiliary(
    name="mailsink",
    component="smtp-sink",
    title="smtp sink",
    port=lambda ports: ports.smtp,
    module="tools.launcher.mailsink",
    args=lambda _, run_dir: ["--dir", str(mail_dir(run_dir))],
    env=lambda port: {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)},
    where=lambda port, run_dir: f"127.0.0.1:{port} (mail kept in {mail_dir(run_dir)})",
)

PAYMENT_GATEWAY = Auxiliary(
    name="payment-gateway",
    component="payment-gateway",
    title="payments gateway (sandbox)",
    port=lambda ports: ports.payment_gateway,
    module="tools.payments_sandbox",
    args=lambda _, run_dir: ["--data-dir", str(run_dir / "payment-gateway")],
    env=lambda port: {"PAYMENTS_PROVIDER_URL": f"http://127.0.0.1:{port}"},
    where=lambda port, _: f"http://127.0.0.1:{port}",
)


def carrier_args(ports: Ports, run_dir: Path) -> list[str]:
    """The sandbox signs with the secrets shipping checks (SHIPPING_WEBHOOK_SECRET_*, dev defaults)."""
    secrets = ShippingSettings().webhook_secrets()
    return [
        "--shipping-url",
        f"http://127.0.0.1:{ports.services['shipping']}",
        *(f"--secret={carrier}={secret}" for carrier, secret in secrets.items()),
        "--clock-file",
        str(run_dir / "clock.json"),
    ]


CARRIER_SANDBOX = Auxiliary(
    name="carrier-sandbox",
    component="carrier-sandbox",
    title="carrier sandbox (DHL, FedEx webhooks)",
    port=lambda ports: ports.carrier,
    module="tools.carrier_sandbox",
    args=carrier_args,
    env=lambda _: {},
    where=lambda port, _: f"http://127.0.0.1:{port} (tools/carrier_sandbox/README.md)",
)

AUXILIARIES = (MAIL_SINK, PAYMENT_GATEWAY, CARRIER_SANDBOX)
"""Started in this order, before the services."""


def mail_dir(run_dir: Path) -> Path:
    """Where the SMTP sink keeps the messages it received."""
    return run_dir / "mail"


def auxiliary_env(ports: Ports) -> dict[str, str]:
    """What every service is told about the auxiliaries (also when the stack does not start them)."""
    return {key: value for aux in AUXILIARIES for key, value in aux.env(aux.port(ports)).items()}


def auxiliary_ports(ports: Ports) -> dict[str, int]:
    """Component name -> port, as `hallmark status` checks them."""
    return {aux.component: aux.port(ports) for aux in AUXILIARIES}
