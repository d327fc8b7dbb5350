"""`hallmark`: the operator's front door.

Lifecycle: up | down | reset. Views: status | dlq | stuck | mail | kafka. Tokens: token."""

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

from shared.runtime.identity import ROLES, mint
from shared.runtime.settings import PlatformSettings
from tools.launcher import dlq_view, kafka_ops, status_view, stuck
from tools.launcher.admin_cli import add_admin_commands
from tools.launcher.audit_cli import add_audit_commands
from tools.launcher.config import check_port_base
from tools.launcher.stack import Ports, Stack, StackConfig, read_state, stop_from_state
from tools.launcher.state import recall, remember, run_dir_of, wipe


def cmd_up(args: argparse.Namespace) -> int:
    if read_state(args.name):
        print(f"a stack named {args.name!r} is already recorded as running; `hallmark down` first", file=sys.stderr)
        return 1
    remembered = recall(args.name)
    port_base = args.port_base if args.port_base is not None else remembered.get("port_base")
    if port_base is not None:
        try:
            check_port_base(port_base)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
    clock = args.clock or remembered.get("clock") or "manual"
    config = StackConfig(
        name=args.name, ports=Ports.of(port_base), start_services=not args.infra_only, clock=clock, durable=True
    )
    stack = Stack(config)
    remember(args.name, port_base, clock)
    cluster = stack.infra.postgres.kept_dir
    kept = cluster is not None and (cluster / "data" / "PG_VERSION").exists()
    start = "on the data it kept" if kept else "empty"
    started = time.monotonic()
    print(f"stack {args.name!r} starts {start}: PostgreSQL, Kafka (KRaft) and the five services ...", flush=True)
    stack.start()
    print(
        f"\nhallmark is up in {time.monotonic() - started:.1f}s "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in stack.timings.items())})"
    )
    for name, where in stack.summary():
        print(f"  {name:<10} {where}")
    print(f"  logs       {stack.run_dir / 'logs'}")
    print(f"  data       {stack.run_dir} (kept by `hallmark down`; `hallmark reset` wipes it)")
    if args.detach:
        print("\nrunning in the background; `make down` (hallmark down) stops it")
        return 0
    print("\nCtrl-C (or `make down`) stops everything; the data stays.", flush=True)
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
    print("stopped (data kept)")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    if stop_from_state(args.name):
        print("stopped (data kept; `hallmark reset` wipes it)")
    else:
        print("nothing recorded as running")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Stop the stack if it runs, then delete everything it kept."""
    run_dir = run_dir_of(args.name)
    if not run_dir.exists():
        print(f"stack {args.name!r} has nothing to reset")
        return 0
    if not args.yes:
        question = (
            f"Delete every order, event, message and e-mail of stack {args.name!r} "
            f"(PostgreSQL, Kafka's log, the clock, under {run_dir})? [y/N] "
        )
        if not sys.stdin.isatty():
            print(f"{question}\nnot a terminal: pass --yes to reset from a script", file=sys.stderr)
            return 1
        if input(question).strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    if stop_from_state(args.name):
        print("stopped")
    for path in wipe(args.name):
        print(f"deleted {path}")
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    """The messages the local SMTP sink kept (ops' view of what customers were sent)."""
    state = read_state(args.name)
    directory = Path(state["mail_dir"]) if state else run_dir_of(args.name) / "mail"
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hallmark", description="Run and operate Hallmark locally.")
    root.add_argument("--name", default="dev", help="stack name (its files under .hallmark/run/NAME)")
    sub = root.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start Kafka, PostgreSQL and all services (on the data kept before)")
    up.add_argument("--detach", action="store_true", help="return once everything is ready")
    up.add_argument("--infra-only", action="store_true", help="start only Kafka and PostgreSQL")
    up.add_argument(
        "--port-base",
        type=int,
        help="move every port into the block N..N+199 (services N+1.., Kafka N+92, PostgreSQL N+33, ...); "
        "remembered for the stack's next `up`",
    )
    up.add_argument(
        "--clock", choices=["manual", "system"], help="manual (the default in development): ops can advance time"
    )
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop what `up` started (the data stays)").set_defaults(func=cmd_down)
    reset = sub.add_parser("reset", help="stop the stack and delete all it kept (asks first)")
    reset.add_argument("--yes", action="store_true", help="do not ask (scripts)")
    reset.set_defaults(func=cmd_reset)
    status = sub.add_parser("status", help="components and health; per service lags, dead letters, timers, SLAs")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=status_view.cmd_status)
    dlq_view.add_parser(sub)
    stuck.add_parser(sub)
    kafka_ops.add_parser(sub)
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
    add_admin_commands(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
