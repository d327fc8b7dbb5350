"""What must hold once the load has drained, whatever the faults did; each check is a count that must
be 0 (or a figure to print). Read as an operator and an auditor would: the services' APIs and the
`hallmark` commands on the stack, its SMTP sink's mail, its log files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from email import policy
from email.parser import BytesParser
from typing import Any

from tests.faults.load import ON_HAND, SKU, UNIT_PRICE, Load, Outcome
from tools.launcher.procs import repo_root
from tools.launcher.stack import Stack


def hallmark(stack: Stack, *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "tools.launcher.cli", "--name", stack.config.name, *args, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=repo_root(),
    )
    return json.loads(result.stdout) if result.stdout.strip() else {"error": result.stderr[-2000:]}


def mail_ids(stack: Stack) -> Counter[str]:
    """Message-ID -> how many times the SMTP sink received it."""
    parse = BytesParser(policy=policy.default).parsebytes
    return Counter(str(parse(p.read_bytes())["Message-ID"]) for p in stack.mail_dir.glob("*.eml"))


def money_per_order(load: Load, order: Outcome) -> dict[str, int]:
    """captured - refunded per purpose, by payments; and what the order says it was paid and not
    given back."""
    who = load.client.token("customer", order.customer)
    payments = load.client.call("GET", "payments", f"/payments/{order.order_id}", headers=who).json()
    seen = load.client.call("GET", "orders", f"/orders/{order.order_id}", headers=who).json()
    kept = {p["purpose"]: p["paid"]["amount_minor"] - p["refunded"]["amount_minor"] for p in payments}
    card = [c for p in payments for c in p["captures"] if c["status"] == "captured" and not c["duplicate"]]
    return {
        "goods_kept": kept.get("goods", 0),
        "shipping_kept": kept.get("shipping", 0),
        "captured": sum(p["paid"]["amount_minor"] for p in payments),
        "overpaid": sum(max(p["paid"]["amount_minor"] - p["amount"]["amount_minor"], 0) for p in payments),
        "card_captures": len(card),
        "purposes": len(payments),
        "refunded": sum(p["refunded"]["amount_minor"] for p in payments),
        "order_kept": seen["paid"]["amount_minor"] - seen["refunded"]["amount_minor"],
    }


def quoted_shipping(load: Load, order: Outcome) -> int:
    who = load.client.token("customer", order.customer)
    shipment = load.client.call("GET", "shipping", f"/shipments/{order.order_id}", headers=who).json()
    return int(shipment["quote"]["cost"]["amount_minor"])


def tracebacks(stack: Stack) -> dict[str, int]:
    """Service log file -> lines holding a traceback (none expected: outages are one line each)."""
    found = {}
    for path in sorted((stack.run_dir / "logs").glob("*-*.log")):
        if path.stem.split("-")[0] in stack.config.services:
            count = path.read_text(errors="replace").count("Traceback (most recent call last)")
            if count:
                found[path.name] = count
    return found


def verify(load: Load, stack: Stack) -> dict[str, Any]:
    finished = [o for o in load.outcomes if o.final]
    completed = [o for o in finished if o.final == "Completed"]
    report: dict[str, Any] = {
        "orders": len(load.outcomes),
        "completed": len(completed),
        "cancelled": len(finished) - len(completed),
        "unfinished": [f"{o.order_id or '(not placed)'}: {o.error}" for o in load.outcomes if not o.final],
    }
    audit = hallmark(stack, "audit", "verify")
    report["lost_events"] = sum(len(r.get("findings", [])) + ("error" in r) for r in audit)
    report["audit_findings"] = [f for r in audit for f in r.get("findings", [])][:10]
    report["republished_applied_once"] = sum(len(r.get("duplicates", [])) for r in audit)
    report["stored_events"] = {r["service"]: r.get("counts", {}) for r in audit}

    doubled, owed_mismatch = Counter[str](), []
    for order in finished:
        money = money_per_order(load, order)
        goods = order.quantity * UNIT_PRICE
        shipping = quoted_shipping(load, order) if order.final == "Completed" else 0
        owes = 0 if order.final == "Cancelled" else goods + shipping
        if money["overpaid"] or money["card_captures"] > money["purposes"]:
            doubled["captures"] += 1
        if money["refunded"] > money["captured"]:
            doubled["refunds"] += 1
        if money["goods_kept"] + money["shipping_kept"] != owes or money["order_kept"] != money["goods_kept"]:
            owed_mismatch.append({"order": order.order_id, "final": order.final, **money, "owes": owes})
    report["owed_mismatches"] = owed_mismatch

    ops = load.ops
    stock = load.client.call("GET", "inventory", f"/skus/{SKU}/stock", headers=ops).json()
    picked, reserved = stock_owed(load)
    report["stock"] = {k: stock[k] for k in ("on_hand", "reserved", "held", "available")}
    report["stock_expected"] = {"on_hand": ON_HAND - picked, "reserved": reserved}
    if stock["on_hand"] < ON_HAND - picked or stock["reserved"] > reserved:
        doubled["reservations"] += 1
    report["stock_negative"] = int(min(stock["on_hand"], stock["available"], stock["reserved"]) < 0)
    deposits = [
        load.client.call("GET", "payments", f"/deposits/{o.customer}", headers=ops).json()["balance"]["amount_minor"]
        for o in finished
    ]
    report["deposits_negative"] = sum(1 for d in deposits if d < 0)

    mails = mail_ids(stack)
    expected = {f"<order-confirmed.{o.order_id}@hallmark>" for o in finished}
    expected |= {f"<shipping-quoted.{o.order_id}@hallmark>" for o in completed}
    doubled["e-mails"] = sum(n - 1 for m, n in mails.items() if n > 1)
    report["mails_missing"] = len(expected - set(mails))
    report["doubled"] = {k: doubled[k] for k in ("captures", "refunds", "reservations", "e-mails")}
    report["stuck"] = [s["order_id"] for s in hallmark(stack, "stuck")]
    report["dlq"] = len(hallmark(stack, "dlq", "list"))
    report["tracebacks"] = tracebacks(stack)
    report["unfinished_trails"] = (
        {  # what happened to them, from all five services (at most three)
            o.order_id: hallmark(stack, "audit", "trail", o.order_id)
            for o in load.outcomes
            if o.order_id and not o.final
        }
        if len(report["unfinished"]) <= 3
        else {}
    )
    return report


PICKED = ("AwaitingShippingPayment", "Shipped", "Delivered", "Completed")
RESERVED = ("PendingPayment", "Confirmed", "Processing")


def stock_owed(load: Load) -> tuple[int, int]:
    """Units picked (gone from stock) and units still reserved, by every placed order's status now: an
    order that did not finish still holds or took its stock."""
    picked = reserved = 0
    for order in load.outcomes:
        if order.order_id:
            who = load.client.token("customer", order.customer)
            status = load.client.call("GET", "orders", f"/orders/{order.order_id}", headers=who).json()["status"]
            picked += order.quantity if status in PICKED else 0
            reserved += order.quantity if status in RESERVED else 0
    return picked, reserved


def failures(report: dict[str, Any]) -> list[str]:
    """What broke, by name (empty: the run held)."""
    checks = {
        "unfinished orders": report["unfinished"],
        "lost events": report["lost_events"],
        "doubled": sum(report["doubled"].values()),
        "owed mismatches": report["owed_mismatches"],
        "stock differs from what orders took": {k: report["stock"][k] for k in report["stock_expected"]}
        != report["stock_expected"],
        "stock negative": report["stock_negative"],
        "deposits negative": report["deposits_negative"],
        "mails missing": report["mails_missing"],
        "stuck": report["stuck"],
        "dlq": report["dlq"],
        "tracebacks": report["tracebacks"],
    }
    return [f"{name}: {value}" for name, value in checks.items() if value]
