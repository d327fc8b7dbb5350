"""`hallmark stuck`: orders that have not moved past a status within its deadline, with the last event
that happened to them and the call that would move them on.

Orders that may be stuck are found in the public `orders.events` stream (placed, neither completed
nor cancelled); each one's status and dates come from orders (`GET /orders/{id}` as ops), its last
event from `GET /admin/history/{id}`, and what happens next from the service that owns that step.
Time is the stack's clock (orders' `/admin/clock`), so a manual clock moved ahead counts."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import ValidationError

from shared.events.envelope import Envelope
from tools.launcher.kafka_ops import read_topic
from tools.launcher.target import OpsClient, Target, target

FINAL = ("OrderCompleted", "OrderCancelled")


@dataclass(frozen=True)
class Limits:
    """Hours an order may stay in a status before it counts as stuck."""

    payment: float = 24
    """PendingPayment (there is no payment deadline in the rules: ops' own choice)."""
    picking: float = 48
    """Confirmed or Processing without the goods prepared (I4's INVENTORY_PICKING_SLA_HOURS)."""
    shipping_payment: float = 72
    """AwaitingShippingPayment since the quote (P7)."""
    parcel_silent: float = 72
    """Shipped with no carrier update (S3's SHIPPING_LATE_AFTER_HOURS)."""


@dataclass(frozen=True)
class Stuck:
    order_id: str
    customer_id: str
    status: str
    since: str
    hours: float
    limit_hours: float
    why: str
    last_event: dict[str, Any]
    next_call: str
    """The call that would move it on, and who may make it."""


def open_orders(stack: Target) -> list[str]:
    """Order ids placed and not yet completed or cancelled, in the order they were first seen."""
    seen: dict[str, bool] = {}
    for raw in read_topic(stack.bootstrap, stack.topic("orders.events")):
        try:
            envelope = Envelope.model_validate_json(raw)
        except ValidationError:
            continue
        if envelope.order_id:
            seen[envelope.order_id] = seen.get(envelope.order_id, False) or envelope.event_type in FINAL
    return [order_id for order_id, final in seen.items() if not final]


class Assessor:
    """Decides, order by order, whether it is stuck and what would move it."""

    def __init__(self, client: OpsClient, now: datetime, limits: Limits) -> None:
        self.client, self.now, self.limits = client, now, limits
        self.url = client.stack.url

    def assess(self, order_id: str) -> Stuck | None:
        response = self.client.call("GET", "orders", f"/orders/{order_id}")
        if response.status_code == 404:  # in the log, unknown to orders: not an order this stack keeps
            return None
        response.raise_for_status()
        order = response.json()
        found = self._rule(order)
        if found is None:
            return None
        since, limit, why, call = found
        hours = (self.now - datetime.fromisoformat(since)).total_seconds() / 3600
        if hours < limit:
            return None
        history = self.client.json("orders", f"/admin/history/{order_id}")
        last = history[-1] if history else {}
        event = {k: last.get(k) for k in ("type", "timestamp", "correlation_id")}
        status, customer = order["status"], order["customer_id"]
        return Stuck(order_id, customer, status, since, round(hours, 1), limit, why, event, call)

    def _rule(self, order: dict[str, Any]) -> tuple[str, float, str, str] | None:
        oid, status, lim = order["order_id"], order["status"], self.limits
        if status == "PendingPayment":
            if order["payment_method"] == "bank_transfer":
                settle = {"amount_minor": order["total"]["amount_minor"], "purpose": _goods(order)}
                call = f"POST {self.url('payments')}/payments/{oid}/settle {json.dumps(settle)} (staff)"
            else:
                call = f"POST {self.url('orders')}/orders/{oid}/cancel (ops; free while pending, O5)"
            return order["placed_at"], lim.payment, "not paid", call
        if status == "Confirmed":
            call = f"POST {self.url('inventory')}/picking/{oid}/start (ops)"
            return order["confirmed_at"], lim.picking, "picking not started", call
        if status == "Processing":
            return self._processing(order)
        if status == "AwaitingShippingPayment":
            shipping = order["shipping"]
            if shipping.get("paid"):
                call = f"POST {self.url('shipping')}/shipments/{oid}/dispatch (ops)"
                return shipping["quoted_at"], lim.shipping_payment, "shipping paid, not dispatched", call
            settle = {"amount_minor": shipping["cost_minor"], "purpose": "shipping"}
            call = f"POST {self.url('payments')}/payments/{oid}/settle {json.dumps(settle)} (a transfer that arrived)"
            return shipping["quoted_at"], lim.shipping_payment, "shipping not paid", call
        if status == "Shipped":
            return self._shipped(order)
        return None

    def _processing(self, order: dict[str, Any]) -> tuple[str, float, str, str]:
        oid = order["order_id"]
        if order.get("shipping_problem"):
            call = f'POST {self.url("shipping")}/shipments/{oid}/carrier {{"carrier": "DHL"}} (account manager or ops)'
            return order["shipping_problem"]["at"], 0, f"no quote: {order['shipping_problem']['reason']}", call
        picking = self.client.json("inventory", f"/picking/{oid}")
        if picking.get("prepared_at"):
            call = f"GET {self.url('shipping')}/shipments/{oid} (shipping has not quoted the prepared goods)"
            return picking["prepared_at"], self.limits.picking, "prepared, not quoted", call
        call = f"POST {self.url('inventory')}/picking/{oid}/finish {{}} (ops; weight_grams if measured)"
        return order["confirmed_at"], self.limits.picking, "picking not finished", call

    def _shipped(self, order: dict[str, Any]) -> tuple[str, float, str, str]:
        oid = order["order_id"]
        shipment = self.client.json("shipping", f"/shipments/{oid}")
        updates = [u["at"] for u in shipment.get("tracking", []) if u.get("at")]
        since = max(updates) if updates else shipment["dispatched_at"]
        carrier, number = shipment.get("carrier"), shipment.get("tracking_number")
        call = (
            f"none moves a parcel but its carrier: ask {carrier} about {number}; its next update arrives at "
            f"POST {self.url('shipping')}/carriers/{carrier}/webhook"
        )
        return since, self.limits.parcel_silent, "no carrier update", call


def _goods(order: dict[str, Any]) -> str:
    return "sample_fee" if order.get("sample") else "goods"


def stuck_orders(name: str, limits: Limits) -> list[Stuck]:
    stack = target(name)
    client = OpsClient(stack)
    try:
        now = datetime.fromisoformat(client.json("orders", "/admin/clock")["now"])
        assessor = Assessor(client, now, limits)
        found = [assessor.assess(order_id) for order_id in open_orders(stack)]
    finally:
        client.close()
    return sorted((s for s in found if s is not None), key=lambda s: -s.hours)


def cmd_stuck(args: argparse.Namespace) -> int:
    limits = Limits(args.payment_hours, args.picking_hours, args.shipping_payment_hours, args.parcel_silent_hours)
    try:
        found = stuck_orders(args.name, limits)
    except httpx.HTTPError as exc:
        print(f"cannot ask the services: {exc}")
        return 1
    if args.json:
        print(json.dumps([asdict(s) for s in found], indent=2))
        return 0
    if not found:
        print("no stuck orders")
    for s in found:
        print(f"{s.order_id}  {s.status} for {s.hours} h (limit {s.limit_hours:g} h): {s.why}  [{s.customer_id}]")
        print(f"  last event  {s.last_event.get('type')} at {s.last_event.get('timestamp')}")
        print(f"  next        {s.next_call}")
    return 0


def add_parser(sub: Any) -> None:
    stuck = sub.add_parser("stuck", help="orders that have not moved past a status within its deadline")
    defaults = Limits()
    stuck.add_argument("--payment-hours", type=float, default=defaults.payment, help="PendingPayment (default 24)")
    stuck.add_argument("--picking-hours", type=float, default=defaults.picking, help="Confirmed/Processing (48)")
    stuck.add_argument(
        "--shipping-payment-hours", type=float, default=defaults.shipping_payment, help="AwaitingShippingPayment (72)"
    )
    stuck.add_argument(
        "--parcel-silent-hours", type=float, default=defaults.parcel_silent, help="Shipped, no carrier update (72)"
    )
    stuck.add_argument("--json", action="store_true")
    stuck.set_defaults(func=cmd_stuck)
