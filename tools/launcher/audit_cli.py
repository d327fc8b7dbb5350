"""`hallmark audit ...`: the auditors' commands, over the services' read-only audit APIs.

    hallmark audit verify [--service S] [--json]
    hallmark audit replay --service S --aggregate ID [--as-of T] [--json]
    hallmark audit terms ORDER --at T [--json]
    hallmark audit export --service S [--from N] [--to N] [--output FILE]
    hallmark audit trail ORDER [--json]

The token is `--token`, else $HALLMARK_TOKEN, else a development auditor token signed with JWT_SECRET.
The services are those of the running stack `--name` (else $AUDIT_PEERS, else `make up`'s ports)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import httpx

from shared.events import SERVICES
from shared.runtime.audit.gather import AuditSettings
from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.state import read_state

PAGE = 50_000
"""Notification ids per export request (each streamed)."""


def _urls(name: str) -> dict[str, str]:
    state = read_state(name)
    if state and state.get("urls"):
        return dict(state["urls"])
    return AuditSettings().peers()


def _headers(args: argparse.Namespace) -> dict[str, str]:
    token = args.token or os.environ.get("HALLMARK_TOKEN")
    if not token:
        platform = PlatformSettings()
        token = mint(platform.jwt_secret, platform.jwt_issuer, "auditor", "hallmark-cli", ttl_seconds=3600)
    return {"authorization": f"Bearer {token}"}


def _get(args: argparse.Namespace, service: str, path: str, **params: Any) -> Any:
    url = _urls(args.name)[service] + path
    response = httpx.get(
        url, headers=_headers(args), params={k: v for k, v in params.items() if v is not None}, timeout=300
    )
    if response.status_code != 200:
        raise SystemExit(f"{service}: {response.status_code} {response.text}")
    return response.json()


def _verify_one(args: argparse.Namespace, service: str) -> dict[str, Any]:
    try:
        report: dict[str, Any] = _get(args, service, "/audit/verify")
        return report
    except (httpx.HTTPError, SystemExit) as exc:
        return {"service": service, "ok": False, "error": str(exc), "findings": [], "counts": {}}


def cmd_verify(args: argparse.Namespace) -> int:
    services = [args.service] if args.service else list(SERVICES)
    with ThreadPoolExecutor(max_workers=len(services)) as pool:  # the services verify at the same time
        reports = list(pool.map(lambda service: _verify_one(args, service), services))
    unreachable = any("error" in r for r in reports)
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        for report in reports:
            _print_report(report)
    if unreachable:
        return 2
    return 0 if all(r["ok"] for r in reports) else 1


def _print_report(report: dict[str, Any]) -> None:
    counts = report.get("counts", {})
    mark = "ok  " if report["ok"] else "FAIL"
    if "error" in report:
        print(f"{mark}  {report['service']:<10} not verified: {report['error']}")
        return
    print(
        f"{mark}  {report['service']:<10} {counts.get('events', 0)} events chained; "
        f"{counts.get('topic_messages', 0)} messages on the topic "
        f"({counts.get('republished_duplicates', 0)} republished duplicates, "
        f"{counts.get('relay_pending', 0)} not yet published); "
        f"{counts.get('consumed_checked', 0)} consumed messages tracked"
    )
    for finding in report["findings"]:
        print(f"      {finding['check']}/{finding['kind']}: {finding['message']}")
    for duplicate in report.get("duplicates", []):
        print(
            f"      republished: notification {duplicate['notification_id']} again at partition "
            f"{duplicate['partition']} offset {duplicate['offset']} (first at {duplicate['first_offset']})"
        )


def cmd_replay(args: argparse.Namespace) -> int:
    body = _get(args, args.service, f"/audit/aggregates/{args.aggregate}", as_of=args.as_of)
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    print(f"{body['type']} {body['aggregate_id']} version {body['version']} as of {body['as_of'] or 'now'}")
    print(json.dumps(body["state"], indent=2))
    print("built from:")
    for event in body["events"]:
        version = f" v{event['schema_version']}" if event["published"] else " (internal)"
        print(f"  {event['version']:>4}  {event['occurred_at']}  {event['event_type']}{version}")
    return 0


def cmd_terms(args: argparse.Namespace) -> int:
    body = _get(args, "orders", f"/audit/orders/{args.order}/terms", at=args.at)
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    terms, policy = body["terms"], body["policy"]
    print(f"order {body['order_id']} at {body['at']}: {terms['status']}")
    print(
        f"  cancellable: {terms['cancellable']}  fee: {terms['fee']['amount_minor']}  refund: "
        f"{terms['refund']['amount_minor']} {terms['fee']['currency']}  ({terms['reason']})"
    )
    print(
        f"  policy {policy['version']}: free for {policy['free_for_hours']:g} h, a fee of {policy['fee_percent']} % "
        f"until {policy['refused_after_hours']:g} h, refused after"
    )
    for figure, events in body["justification"].items():
        cited = ", ".join(f"{e['event_type']}@{e['occurred_at']}" for e in events)
        print(f"  {figure:<13} {cited}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    summary = _get(args, args.service, "/audit/log/summary")
    last = min(args.to or summary["published"], summary["published"])
    out: IO[bytes] = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    progress = sys.stderr.isatty()
    url = _urls(args.name)[args.service] + "/audit/log"
    lines = 0
    try:
        with httpx.Client(headers=_headers(args), timeout=300) as client:
            for start in range(args.first, last + 1, PAGE):
                stop = min(start + PAGE - 1, last)
                with client.stream("GET", url, params={"from": start, "to": stop}) as response:
                    response.raise_for_status()
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        lines += chunk.count(b"\n")
                if progress:
                    _bar(stop - args.first + 1, last - args.first + 1, lines)
    finally:
        out.flush()
        if args.output:
            out.close()
    if progress:
        print(file=sys.stderr)
    print(f"{lines} envelopes of {args.service} (notifications {args.first}..{last})", file=sys.stderr)
    return 0


def _bar(done: int, total: int, lines: int, width: int = 40) -> None:
    share = done / total if total else 1.0
    filled = int(width * share)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {share:6.1%}  {lines} envelopes")
    sys.stderr.flush()


def cmd_trail(args: argparse.Namespace) -> int:
    body = _get(args, "orders", f"/audit/orders/{args.order}/trail")
    if args.json:
        print(json.dumps(body, indent=2))
        return 0 if not body["gaps"] else 1
    print(f"order {body['order_id']}: {len(body['events'])} events from {', '.join(body['services'])}")
    for event in body["events"]:
        cause = event["caused_by"]
        because = f"  <- {cause['service']} {cause['event_type']}" if cause else ""
        print(
            f"  {event['occurred_at'][:23]:<23}  {event['service']:<9} {event['event_type']} v{event['schema_version']}"
            f"  corr {event['correlation_id'][:8]}  cause {(event['causation_id'] or '-')[:8]}{because}"
        )
    for gap in body["gaps"]:
        print(f"  GAP {gap['kind']}: {gap['message']}")
    return 0 if not body["gaps"] else 1


def add_audit_commands(sub: Any) -> None:
    """Register `hallmark audit ...` on the CLI's subparsers."""
    audit = sub.add_parser("audit", help="auditors: verify, replay, terms, export, trail (read-only)")
    audit.add_argument("--token", help="bearer token (default: $HALLMARK_TOKEN or a dev auditor token)")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = commands.add_parser("verify", help="chain unbroken, store <-> topic, consumed <-> tracked")
    verify.add_argument("--service", choices=SERVICES)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_verify)
    replay = commands.add_parser("replay", help="an aggregate as of an instant, with its events")
    replay.add_argument("--service", choices=SERVICES, required=True)
    replay.add_argument("--aggregate", required=True)
    replay.add_argument("--as-of", dest="as_of", help="ISO 8601 instant with a time zone")
    replay.add_argument("--json", action="store_true")
    replay.set_defaults(func=cmd_replay)
    terms = commands.add_parser("terms", help="an order's status and cancellation terms at an instant, justified")
    terms.add_argument("order")
    terms.add_argument("--at", required=True, help="ISO 8601 instant with a time zone")
    terms.add_argument("--json", action="store_true")
    terms.set_defaults(func=cmd_terms)
    export = commands.add_parser("export", help="a service's published log as NDJSON envelopes (as on Kafka)")
    export.add_argument("--service", choices=SERVICES, required=True)
    export.add_argument("--from", dest="first", type=int, default=1, help="first notification id")
    export.add_argument("--to", type=int, help="last notification id (default: all published)")
    export.add_argument("--output", help="file (default: standard output)")
    export.set_defaults(func=cmd_export)
    trail = commands.add_parser("trail", help="one order's events from all five services, merged, gaps flagged")
    trail.add_argument("order")
    trail.add_argument("--json", action="store_true")
    trail.set_defaults(func=cmd_trail)
