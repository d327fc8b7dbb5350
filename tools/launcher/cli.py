"""`hallmark`: the operator's front door. up | down | status [--json] | token."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from shared.runtime.identity import ROLES, mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.audit_cli import add_audit_commands
from tools.launcher.auxiliary import auxiliary_ports
from tools.launcher.procs import home, port_open
from tools.launcher.stack import Ports, Stack, StackConfig, read_state, stop_from_state


def cmd_up(args: argparse.Namespace) -> int:
    if read_state(args.name):
        print(f"a stack named {args.name!r} is already recorded as running; `hallmark down` first", file=sys.stderr)
        return 1
    config = StackConfig(name=args.name, start_services=not args.infra_only, clock=args.clock)
    stack = Stack(config)
    started = time.monotonic()
    print("starting PostgreSQL, Kafka (KRaft) and the five services ...", flush=True)
    stack.start()
    print(
        f"\nhallmark is up in {time.monotonic() - started:.1f}s "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in stack.timings.items())})"
    )
    for name, where in stack.summary():
        print(f"  {name:<10} {where}")
    print(f"  logs       {stack.run_dir / 'logs'}")
    if args.detach:
        print("\nrunning in the background; `make down` (hallmark down) stops it")
        return 0
    print("\nCtrl-C (or `make down`) stops everything.", flush=True)
    stopping = False

    def on_signal(signum: int, _: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not stopping and stack.state_file.exists():
        time.sleep(0.5)
    print("stopping ...", flush=True)
    stack.stop()
    print("stopped")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    if stop_from_state(args.name):
        print("stopped")
    else:
        print("nothing recorded as running")
    return 0


def component_status(name: str) -> list[dict[str, Any]]:
    state = read_state(name)
    ports = Ports()
    urls: dict[str, str] = {s: f"http://127.0.0.1:{p}" for s, p in ports.services.items()}
    kafka, postgres = f"127.0.0.1:{ports.kafka}", f"127.0.0.1:{ports.postgres}"
    if state:
        kafka = state["kafka"].split(",")[0]
        postgres = urlsplit(state["postgres"]).netloc.rsplit("@", 1)[-1]
        urls = state["urls"]
    rows: list[dict[str, Any]] = [
        {"component": "kafka", "address": kafka, "healthy": _open(kafka)},
        {"component": "postgres", "address": postgres, "healthy": _open(postgres)},
    ]
    auxiliary = state.get("auxiliary", {}) if state else auxiliary_ports(ports)
    for name_, port in auxiliary.items():
        rows.append({"component": name_, "address": f"127.0.0.1:{port}", "healthy": port_open(port)})
    for service, url in urls.items():
        detail: Any = None
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
            healthy = response.status_code == 200
            detail = response.json().get("checks")
        except httpx.HTTPError as exc:
            healthy, detail = False, str(exc)
        worker_port = int(url.rsplit(":", 1)[1]) + 100
        rows.append({"component": f"{service}-api", "address": url, "healthy": healthy, "checks": detail})
        rows.append(
            {
                "component": f"{service}-worker",
                "address": f"http://127.0.0.1:{worker_port}/metrics",
                "healthy": port_open(worker_port),
            }
        )
    return rows


def _open(address: str) -> bool:
    host, _, port = address.rpartition(":")
    return port_open(int(port), host or "127.0.0.1")


def cmd_status(args: argparse.Namespace) -> int:
    rows = component_status(args.name)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            mark = "ok  " if row["healthy"] else "DOWN"
            print(f"{mark}  {row['component']:<18} {row['address']}")
    return 0 if all(r["healthy"] for r in rows) else 1


def cmd_mail(args: argparse.Namespace) -> int:
    """The messages the local SMTP sink kept (ops' view of what customers were sent)."""
    state = read_state(args.name)
    directory = Path(state["mail_dir"]) if state else home() / "run" / args.name / "mail"
    rows = []
    for path in sorted(directory.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        rows.append(
            {
                "file": str(path),
                "from": message["From"],
                "to": message["To"],
                "subject": message["Subject"],
                "message_id": message["Message-ID"],
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['to']:<32} {row['subject']}  ({row['file']})")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    platform = PlatformSettings()
    customers = tuple(c for c in (args.customers or "").split(",") if c)
    print(
        mint(
            platform.jwt_secret, platform.jwt_issuer, args.role, args.subject, ttl_seconds=args.ttl, customers=customers
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallmark", description="Run and operate Hallmark locally.")
    parser.add_argument("--name", default="dev", help="stack name (run state under .hallmark/run/NAME)")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start Kafka, PostgreSQL and all services")
    up.add_argument("--detach", action="store_true", help="return once everything is ready")
    up.add_argument("--infra-only", action="store_true", help="start only Kafka and PostgreSQL")
    up.add_argument(
        "--clock",
        choices=["manual", "system"],
        default="manual",
        help="manual (default in development): ops can advance time",
    )
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop what `up` started").set_defaults(func=cmd_down)
    status = sub.add_parser("status", help="every component, its address and health")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    mail = sub.add_parser("mail", help="the e-mails the local SMTP sink received")
    mail.add_argument("--json", action="store_true")
    mail.set_defaults(func=cmd_mail)
    token = sub.add_parser("token", help="mint a development bearer token")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--subject", required=True, help="customer id, staff id, ...")
    token.add_argument("--customers", help="account manager: comma-separated customer ids")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="seconds")
    token.set_defaults(func=cmd_token)
    add_audit_commands(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
