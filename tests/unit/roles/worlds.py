"""One small world per service for the role matrix: customer A (`cust-1`) owns an order (and its
payment, shipment, hold, ticket with a photo); the path parameters point at A's things; each
operation that takes a body gets a valid one. Built in memory from the services' test scenarios."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from shared.runtime.service import Runtime
from tests.unit.inventory.scenario import RING
from tests.unit.inventory.scenario import Scenario as InventoryScenario
from tests.unit.orders.scenario import Scenario as OrdersScenario
from tests.unit.payments.scenario import PaymentsScenario
from tests.unit.shipping.scenario import ShippingScenario
from tests.unit.tickets.scenario import Scenario as TicketsScenario
from tests.unit.tickets.scenario import jpeg

ADDRESS = {"name": "Ana Ruiz", "line1": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}
CHECKOUT = {
    "shipping_address": ADDRESS,
    "billing_address": ADDRESS,
    "payment_method": "card",
    "contact_email": "ana@example.com",
    "carrier": "DHL",
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    runtime: Runtime[Any]
    params: dict[str, str]
    secrets: list[str]
    """What only A's side may see: A's order, ticket, hold ids (customer B must never get them)."""
    requests: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(METHOD, path template) -> keyword arguments for the test client (json=, files=, headers=)."""

    def __post_init__(self) -> None:
        first = self.runtime.app.recorder.select_notifications(start=1, limit=1)[0]
        self.params.setdefault("aggregate_id", str(first.originator_id))
        self.requests.setdefault(("POST", "/admin/clock/advance"), {"json": {"seconds": 60}})

    def app(self) -> FastAPI:
        factory: Callable[..., FastAPI] = importlib.import_module(f"services.{self.runtime.name}.api").create_app
        return factory(self.runtime)


SEALED_IN_CLEAR = {"alg": "none", "key_id": "", "nonce": "", "ciphertext": "e30="}
"""An `OrderPlaced.personal` published before sealing ('{}' in the clear): opening it needs no key (X4)."""


def orders() -> World:
    s = OrdersScenario()
    order = str(s.place([("RING-STEEL-PEARL", 12)]))
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 12)
    lines = [{"sku": "RING-STEEL-PEARL", "quantity": 12}]
    return World(
        s.runtime,
        {"order_id": order, "sku": "RING-STEEL-PEARL", "customer_id": "cust-never-seen"},
        [order],
        {
            ("POST", "/privacy/open"): {"json": SEALED_IN_CLEAR},
            ("POST", "/carts/mine/items"): {"json": lines[0]},
            ("PUT", "/carts/mine/items/{sku}"): {"json": {"quantity": 24}},
            ("POST", "/carts/mine/checkout"): {"json": CHECKOUT},
            ("POST", "/orders"): {"json": {**CHECKOUT, "lines": lines}},
            ("GET", "/orders"): {"params": {"customer_id": "cust-1"}},
            ("POST", "/orders/{order_id}/changes"): {"json": {"reason": "asked by phone", "lines": lines}},
        },
    )


def inventory() -> World:
    s = InventoryScenario()
    order = s.place((RING, 2))
    s.confirm(order)
    hold = s.app.place_hold("cust-1", RING, 1)
    price = {"amount_minor": 450, "currency": "USD"}
    listing = {"name": "Ring", "unit_price": price, "moq": 1, "weight_grams": 6}
    return World(
        s.runtime,
        {"order_id": order, "sku": RING, "hold_id": str(hold.hold_id)},
        [order, str(hold.hold_id)],
        {
            ("POST", "/skus"): {"json": {**listing, "sku": "NEW-SKU", "on_hand": 5}},
            ("PUT", "/skus/{sku}"): {"json": listing},
            ("POST", "/skus/{sku}/receipts"): {"json": {"quantity": 3, "reference": "delivery-7"}},
            ("POST", "/skus/{sku}/adjustments"): {"json": {"reason": "stock count", "counted": 25}},
            ("POST", "/holds"): {"json": {"sku": RING, "quantity": 1}},
            ("POST", "/picking/{order_id}/finish"): {"json": {"weight_grams": 40}},
        },
    )


def payments() -> World:
    s = PaymentsScenario()
    order = s.placed(5400, method="card")
    voucher = {"files": {"file": ("voucher.pdf", PDF, "application/pdf")}}
    return World(
        s.runtime,
        {"order_id": order, "purpose": "goods", "customer_id": "cust-1", "index": "0"},
        [order],
        {
            ("POST", "/payments/{order_id}/{purpose}/capture"): {
                "json": {"method": "card", "source": "4111 1111 1111 1111"},
                "headers": {"idempotency-key": "matrix-key-1"},
            },
            ("POST", "/payments/{order_id}/voucher"): voucher,
            ("POST", "/payments/{order_id}/{purpose}/voucher"): voucher,
            ("POST", "/payments/{order_id}/settle"): {"json": {"amount_minor": 5400, "purpose": "goods"}},
            ("POST", "/deposits/{customer_id}/credits"): {
                "json": {"amount_minor": 1000, "currency": "USD", "reference": "bank-7"}
            },
            ("POST", "/admin/reviews/{order_id}"): {"json": {"approve": True, "note": "checked by phone"}},
        },
    )


def shipping() -> World:
    s = ShippingScenario()
    order = s.ready_to_dispatch()
    return World(
        s.runtime,
        {"order_id": order, "carrier": "DHL"},
        [order],
        {
            ("POST", "/shipments/{order_id}/carrier"): {"json": {"carrier": "FedEx"}},
            ("POST", "/carriers/{carrier}/webhook"): {"json": {"tracking_number": "x", "status": "in_transit"}},
        },
    )


def tickets() -> World:
    s = TicketsScenario()
    order = s.received()
    ticket = s.open(order, photos=[jpeg()])
    photo = ticket.messages[0]["photos"][0]["photo_id"]
    message = {"json": {"message": "any news?"}}
    return World(
        s.runtime,
        {"order_id": order, "ticket_id": str(ticket.id), "photo_id": str(photo)},
        [order, str(ticket.id)],
        {
            ("POST", "/tickets"): {"json": {"order_id": order, "kind": "incorrect_item", "message": "wrong colour"}},
            ("POST", "/tickets/{ticket_id}/messages"): message,
            ("POST", "/tickets/{ticket_id}/replies"): message,
            ("POST", "/tickets/{ticket_id}/resolution"): {"json": {"outcome": "no_action", "reason": "as agreed"}},
        },
    )


WORLDS: dict[str, Callable[[], World]] = {
    "orders": orders,
    "inventory": inventory,
    "payments": payments,
    "shipping": shipping,
    "tickets": tickets,
}
