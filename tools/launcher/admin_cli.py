"""`hallmark admin forget CUSTOMER` (ops, X4): destroy the customer's data keys at orders, so their
addresses and e-mail read as `[erased]` everywhere, while every log stays as it was and verifies.

The token is `--token`, else $HALLMARK_TOKEN, else a development ops token signed with JWT_SECRET."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any
from urllib.parse import quote

import httpx

from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.audit_cli import _urls


def _ops_headers(args: argparse.Namespace) -> dict[str, str]:
    token = args.token or os.environ.get("HALLMARK_TOKEN")
    if not token:
        platform = PlatformSettings()
        token = mint(
            platform.jwt_secret,
            platform.jwt_issuer,
            "ops",
            "hallmark-cli",
            ttl_seconds=600,
            audience=platform.jwt_audience,
        )
    return {"authorization": f"Bearer {token}"}


def cmd_forget(args: argparse.Namespace) -> int:
    url = _urls(args.name)["orders"] + f"/privacy/customers/{quote(args.customer, safe='')}/forget"
    response = httpx.post(url, headers=_ops_headers(args), timeout=60)
    if response.status_code != 200:
        print(f"orders: {response.status_code} {response.text}")
        return 1
    done = response.json()
    if args.json:
        print(json.dumps(done))
    elif done["keys_destroyed"]:
        print(f"{done['customer_id']}: forgotten ({done['keys_destroyed']} key(s) destroyed by {done['forgotten_by']})")
    else:
        print(f"{done['customer_id']}: already forgotten at {done['forgotten_at']} (or nothing was ever sealed)")
    return 0


def add_admin_commands(sub: Any) -> None:
    """Register `hallmark admin ...` on the CLI's subparsers."""
    admin = sub.add_parser("admin", help="ops: forget a customer (crypto-shredding)")
    admin.add_argument("--token", help="bearer token (default: $HALLMARK_TOKEN or a dev ops token)")
    commands = admin.add_subparsers(dest="admin_command", required=True)
    forget = commands.add_parser("forget", help="destroy a customer's data keys: their personal data reads [erased]")
    forget.add_argument("customer")
    forget.add_argument("--json", action="store_true")
    forget.set_defaults(func=cmd_forget)
