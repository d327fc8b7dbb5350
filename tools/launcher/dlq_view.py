"""`hallmark dlq list|retry|skip`: the dead letters of the stack's consumers, through each service's
admin endpoints (`/admin/dlq`), as ops."""

from __future__ import annotations

import argparse
import json
from typing import Any

import httpx

from shared.events import SERVICES
from tools.launcher.target import OpsClient, services_of, target


def letters(client: OpsClient, services: tuple[str, ...], status: str) -> list[dict[str, Any]]:
    """Dead letters of the given services (with the event type and order id read from the message)."""
    found: list[dict[str, Any]] = []
    for service in services:
        for letter in client.json(service, "/admin/dlq", params={"status": status}):
            found.append({"service": service, **letter, **_about(letter.get("value"))})
    return found


def _about(value: str | None) -> dict[str, Any]:
    try:
        envelope = json.loads(value or "")
    except ValueError:
        return {"event_type": None, "order_id": None}
    if not isinstance(envelope, dict):
        return {"event_type": None, "order_id": None}
    return {"event_type": envelope.get("event_type"), "order_id": envelope.get("order_id")}


def cmd_list(args: argparse.Namespace) -> int:
    client = OpsClient(target(args.name))
    try:
        found = letters(client, services_of(args.service), args.status)
    except httpx.HTTPError as exc:
        print(f"cannot read the dead letters: {exc}")
        return 1
    finally:
        client.close()
    if args.json:
        print(json.dumps(found, indent=2, default=str))
        return 0
    if not found:
        print(f"no {args.status} dead letters")
    for letter in found:
        where = f"{letter['topic']}:{letter['partition']}@{letter['offset']}"
        kind = letter["event_type"] or "?"
        print(f"{letter['service']:<10} #{letter['id']:<5} {where:<28} {kind:<24} {letter['error']}")
        if letter["order_id"]:
            print(f"{'':<17} order {letter['order_id']}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    """retry: apply it again (resolved if it now applies); skip: mark it handled, not applied."""
    client = OpsClient(target(args.name))
    try:
        response = client.call("POST", args.service, f"/admin/dlq/{args.id}/{args.action}")
    except httpx.HTTPError as exc:
        print(f"{args.service} did not answer: {exc}")
        return 1
    finally:
        client.close()
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != 200:
        print(f"{args.action} refused ({response.status_code}): {body.get('detail', response.text)}")
        return 1
    print(json.dumps(body))
    return 0


def add_parser(sub: Any) -> None:
    dlq = sub.add_parser("dlq", help="dead letters: list, retry or skip them")
    actions = dlq.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the dead letters of every service (or one)")
    listing.add_argument("--service", choices=SERVICES)
    listing.add_argument("--status", default="open", choices=["open", "retried", "skipped"])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    for action, what in (("retry", "apply a dead letter again"), ("skip", "mark a dead letter handled, unapplied")):
        resolve = actions.add_parser(action, help=what)
        resolve.add_argument("service", choices=SERVICES)
        resolve.add_argument("id", type=int, help="its id in `hallmark dlq list`")
        resolve.set_defaults(func=cmd_resolve)
