"""Request and response models of the orders API (XCreate / XPublic)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.orders.domain.bounds import MAX_QUANTITY
from services.orders.domain.carriers import CarrierCoverage
from services.orders.domain.cart import Cart
from services.orders.domain.order import Order
from services.orders.domain.values import Address, CancellationTerms, Shipping
from shared.events import Money
from shared.events.shipping import Carrier

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. ES")

    def to_address(self) -> Address:
        return Address(**self.model_dump())


class LineCreate(_In):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=MAX_QUANTITY)


class QuantityUpdate(_In):
    quantity: int = Field(gt=0, le=MAX_QUANTITY)


class CheckoutCreate(_In):
    shipping_address: AddressCreate
    billing_address: AddressCreate
    payment_method: Literal["card", "paypal", "bank_transfer", "deposit"]
    contact_email: str = Field(pattern=EMAIL, max_length=254)
    carrier: Carrier = Field(description="S1: DHL or FedEx; it must serve the shipping address's country")
    sample: bool = Field(default=False, description="O3: any product, any quantity, a sample fee per item")


class OrderCreate(CheckoutCreate):
    lines: list[LineCreate] = Field(min_length=1, max_length=500)


class ChangeCreate(_In):
    lines: list[LineCreate] = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=3, max_length=500)


class CartLinePublic(BaseModel):
    sku: str
    quantity: int


class CartPublic(BaseModel):
    customer_id: str
    items: list[CartLinePublic]

    @classmethod
    def of(cls, cart: Cart) -> CartPublic:
        """Shown as stored (a line stored above the bound before it was enforced is shown, not a 500)."""
        items = [CartLinePublic(sku=s, quantity=q) for s, q in sorted(cart.items.items())]
        return cls(customer_id=cart.customer_id, items=items)


class OrderLinePublic(BaseModel):
    sku: str
    quantity: int
    unit_price: Money


class OrderPublic(BaseModel):
    order_id: uuid.UUID
    customer_id: str
    status: str
    stock: str
    sample: bool
    lines: list[OrderLinePublic]
    total: Money
    paid: Money
    refund_due: Money
    refunded: Money
    payment_method: str | None
    carrier: str | None
    reservation: list[dict[str, Any]]
    placed_at: datetime
    payment_due_at: datetime | None
    expired_at: datetime | None
    confirmed_at: datetime | None
    cancellation_policy_version: str | None
    shipping: dict[str, Any]
    shipping_problem: dict[str, Any] | None
    cancellation: dict[str, Any] | None
    changes: list[dict[str, Any]]
    picking_sla_breached_at: datetime | None
    payment_failures: list[dict[str, Any]]
    version: int

    @classmethod
    def of(cls, order: Order) -> OrderPublic:
        def money(minor: int) -> Money:
            return Money(amount_minor=minor, currency=order.currency)

        return cls(
            order_id=order.id,
            customer_id=order.customer_id,
            status=order.status,
            stock=order.stock,
            sample=order.sample,
            lines=[
                OrderLinePublic(sku=line.sku, quantity=line.quantity, unit_price=money(line.unit_price_minor))
                for line in order.lines
            ],
            total=money(order.total_minor),
            paid=money(order.paid_minor),
            refund_due=money(order.refund_due_minor),
            refunded=money(order.refunded_minor),
            payment_method=order.payment_method,
            carrier=order.carrier,
            reservation=[asdict(line) for line in order.reservation],
            placed_at=order.placed_at,
            payment_due_at=order.payment_due_at,
            expired_at=order.expired_at,
            confirmed_at=order.confirmed_at,
            cancellation_policy_version=order.policy_version,
            shipping=_shipping(order.shipping),
            shipping_problem=asdict(order.shipping_problem) if order.shipping_problem else None,
            cancellation=asdict(order.cancellation) if order.cancellation else None,
            changes=[asdict(change) for change in order.changes],
            picking_sla_breached_at=order.sla_breached_at,
            payment_failures=[asdict(failure) for failure in order.payment_failures],
            version=order.version,
        )


def _shipping(shipping: Shipping | None) -> dict[str, Any]:
    """The quote, then what is known of it so far (paid, tracking number); {} before the quote."""
    return {} if shipping is None else {k: v for k, v in asdict(shipping).items() if v is not None}


class CoveragePublic(BaseModel):
    """S1: which countries each carrier serves, from shipping's tariff table of that version."""

    tariff_version: str
    published_at: datetime
    countries: dict[str, list[str]]

    @classmethod
    def of(cls, coverage: CarrierCoverage) -> CoveragePublic:
        return cls(
            tariff_version=coverage.tariff_version,
            published_at=coverage.published_at,
            countries=coverage.countries,
        )


class TermsPublic(BaseModel):
    """O5: what cancelling at `at` would cost and give back."""

    status: str | None
    cancellable: bool
    fee: Money
    refund: Money
    reason: str
    cancellation_policy_version: str
    at: datetime
    hours_since_placed: float | None

    @classmethod
    def of(cls, terms: CancellationTerms) -> TermsPublic:
        currency = terms.currency or "USD"
        return cls(
            status=terms.status,
            cancellable=terms.cancellable,
            fee=Money(amount_minor=terms.fee_minor, currency=currency),
            refund=Money(amount_minor=terms.refund_minor, currency=currency),
            reason=terms.reason,
            cancellation_policy_version=terms.policy_version,
            at=terms.at,
            hours_since_placed=terms.hours_since_placed,
        )
