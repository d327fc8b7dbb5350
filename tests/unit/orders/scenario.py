"""A small scenario driver for the orders service on in-memory storage: a controllable clock,
a catalogue, shipping's tariff coverage, and the other services' events fed through the tracked
consumer."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from pydantic import BaseModel

from services.orders.application import Address, Checkout, OrdersApplication
from services.orders.bootstrap import bootstrap
from services.orders.settings import OrdersSettings
from shared.events import inventory as inv
from shared.events import payments as pay
from shared.events import shipping as ship
from shared.runtime.identity import mint
from shared.runtime.service import Runtime
from shared.runtime.timers import timer_id
from tests.unit.messages import StepClock, incoming, usd

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
ADDRESS = Address(name="Ana Ruiz", line1="Calle Mayor 1", line2=None, city="Madrid", postal_code="28013", country="ES")
BILLING = replace(ADDRESS, name="Ruiz Joyas SL", line1="Gran Via 20")
DETAILS = Checkout(
    shipping_address=ADDRESS,
    billing_address=BILLING,
    payment_method="card",
    contact_email="ana@example.com",
    carrier="DHL",
)
COVERAGE = {"DHL": ["DE", "ES", "IS", "US"], "FedEx": ["DE", "ES", "US"]}
"""S1: which countries each carrier serves in the scenario's tariff (FedEx does not serve Iceland)."""


class Scenario:
    def __init__(self, *, tariff: bool = True, **settings: Any) -> None:
        self.clock = StepClock(T0)
        self.runtime: Runtime[OrdersApplication] = bootstrap(
            OrdersSettings(**settings), persistence="memory", clock=self.clock
        )
        self.app = self.runtime.app
        self.ids = count(1)
        self.catalogue("RING-STEEL-PEARL", 450, moq=12)
        self.catalogue("NECK-ZIRC-PEND", 780, moq=6)
        self.catalogue("ODD-PRICE", 335, moq=1)
        if tariff:
            self.tariff("2026-01", COVERAGE, T0 - timedelta(days=1))

    def at(self, delta: timedelta) -> datetime:
        """Move the clock to T0 + delta."""
        self.clock.at = T0 + delta
        return self.clock.at

    def feed(self, payload: BaseModel) -> Any:
        event_type = next(t for t, m in _MODELS.items() if isinstance(payload, m))
        return self.runtime.consumer.apply_batch([incoming(event_type, payload, next(self.ids), self.clock.now())])

    def catalogue(self, sku: str, price: int, moq: int) -> None:
        self.feed(inv.SkuCatalogued(sku=sku, name=sku, unit_price=usd(price), moq=moq, weight_grams=5))

    def tariff(self, version: str, countries: dict[str, list[str]], published_at: datetime) -> Any:
        carriers = [
            ship.CarrierCoverage(carrier=c, countries=sorted(cs), max_weight_grams=30_000)  # type: ignore[arg-type]
            for c, cs in countries.items()
        ]
        return self.feed(
            ship.CarrierTariffPublished(
                tariff_version=version, currency="USD", carriers=carriers, published_at=published_at
            )
        )

    def place(self, lines: list[tuple[str, int]], **details: Any) -> uuid.UUID:
        checkout = Checkout(**{**DETAILS.__dict__, **details})
        return self.app.place_order("cust-1", lines, checkout)

    def order(self, order_id: uuid.UUID) -> Any:
        return self.app.get_order(order_id)

    def fire(self, kind: str, target: str) -> bool:
        """Fire a durable timer as the leading worker's loop would (False: it had fired or was cancelled)."""
        assert self.app.timers is not None
        return self.app.timers.fire(timer_id(kind, target))

    # the other services, as events
    def reserve(self, order_id: uuid.UUID, *lines: tuple[str, int, int]) -> Any:
        return self.feed(
            inv.StockReserved(
                order_id=str(order_id),
                reserved_at=self.clock.now(),
                lines=[inv.ReservedLine(sku=s, asked=a, reserved=r, short=a - r) for s, a, r in lines],
            )
        )

    def pay(self, order_id: uuid.UUID, amount: int, purpose: pay.Purpose = "goods") -> Any:
        return self.feed(
            pay.PaymentCaptured(
                order_id=str(order_id),
                purpose=purpose,
                method="card",
                amount=usd(amount),
                captured_at=self.clock.now(),
            )
        )

    def shortfall(self, order_id: uuid.UUID, *lines: tuple[str, int, int]) -> Any:
        return self.feed(
            inv.StockShortfallReduced(
                order_id=str(order_id),
                reason="damaged batch",
                reduced_at=self.clock.now(),
                lines=[inv.ReservedLine(sku=s, asked=a, reserved=a - short, short=short) for s, a, short in lines],
            )
        )

    def picking(self, order_id: uuid.UUID, weight: int | None = None) -> Any:
        self.feed(
            inv.PickingStarted(
                order_id=str(order_id), started_at=self.clock.now(), due_at=self.clock.now() + timedelta(days=2)
            )
        )
        if weight:
            self.feed(inv.GoodsPrepared(order_id=str(order_id), weight_grams=weight, prepared_at=self.clock.now()))

    def breach(self, order_id: uuid.UUID, confirmed_at: datetime, due_at: datetime) -> Any:
        """Inventory reports that picking missed its deadline (I4)."""
        return self.feed(
            inv.PickingSlaBreached(
                order_id=str(order_id), confirmed_at=confirmed_at, due_at=due_at, breached_at=self.clock.now()
            )
        )

    def quote_shipping(self, order_id: uuid.UUID, cost: int) -> Any:
        return self.feed(
            ship.ShippingQuoted(
                order_id=str(order_id),
                carrier="DHL",
                country="ES",
                weight_grams=90,
                cost=usd(cost),
                tariff_version="DHL-2026-01",
                quoted_at=self.clock.now(),
            )
        )

    def ship_and_deliver(self, order_id: uuid.UUID) -> None:
        now = self.clock.now()
        self.feed(
            ship.ParcelDispatched(order_id=str(order_id), carrier="DHL", tracking_number="JD0146", dispatched_at=now)
        )
        self.feed(ship.ParcelDelivered(order_id=str(order_id), signed_by="A. Ruiz", delivered_at=now))

    def headers(self, role: str = "customer", subject: str = "cust-1") -> dict[str, str]:
        platform = self.runtime.settings.platform
        return {"authorization": f"Bearer {mint(platform.jwt_secret, platform.jwt_issuer, role, subject)}"}

    def types(self, order_id: uuid.UUID) -> list[str]:
        return [e["type"].removeprefix("Order.") for e in self.app.history(order_id)]


_MODELS: dict[str, type[BaseModel]] = {
    "SkuCatalogued": inv.SkuCatalogued,
    "StockReserved": inv.StockReserved,
    "StockShortfallReduced": inv.StockShortfallReduced,
    "PickingStarted": inv.PickingStarted,
    "GoodsPrepared": inv.GoodsPrepared,
    "PickingSlaBreached": inv.PickingSlaBreached,
    "PaymentCaptured": pay.PaymentCaptured,
    "PaymentVoucherReceived": pay.PaymentVoucherReceived,
    "DepositDebited": pay.DepositDebited,
    "RefundIssued": pay.RefundIssued,
    "PaymentFailed": pay.PaymentFailed,
    "ShippingQuoted": ship.ShippingQuoted,
    "ShippingQuoteRefused": ship.ShippingQuoteRefused,
    "CarrierTariffPublished": ship.CarrierTariffPublished,
    "ParcelDispatched": ship.ParcelDispatched,
    "ParcelDelivered": ship.ParcelDelivered,
    "ReceiptConfirmed": ship.ReceiptConfirmed,
}
