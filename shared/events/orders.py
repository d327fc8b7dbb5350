"""Events published by the orders service on `orders.events`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.events.base import Contract
from shared.events.money import Money
from shared.events.privacy import Sealed
from shared.events.registry import event, upcaster
from shared.events.shipping import Carrier

PaymentMethod = Literal["card", "paypal", "bank_transfer", "deposit"]


_Payload = Contract


class Address(_Payload):
    name: str
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class OrderLine(_Payload):
    sku: str
    quantity: int = Field(gt=0)
    unit_price: Money


@event("orders", "OrderPlaced", version=1)
class OrderPlacedV1(_Payload):
    """Version 1 carried the total as a bare integer in US cents."""

    order_id: str
    customer_id: str
    lines: list[dict[str, Any]]
    total_minor: int
    placed_at: datetime


@event("orders", "OrderPlaced", version=2)
class OrderPlacedV2(_Payload):
    """Version 2 named neither the carrier the customer chose nor the contact e-mail."""

    order_id: str
    customer_id: str
    lines: list[OrderLine]
    total: Money
    sample: bool = False
    sample_fee: Money | None = Field(default=None, description="Sample orders (O3): fee per item times items")
    payment_method: PaymentMethod | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    placed_at: datetime


@upcaster("OrderPlaced", from_version=1)
def _order_placed_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    currency = "USD"
    lines = [
        {
            "sku": line["sku"],
            "quantity": line["quantity"],
            "unit_price": {"amount_minor": line["unit_price_minor"], "currency": currency},
        }
        for line in payload.pop("lines")
    ]
    total = {"amount_minor": payload.pop("total_minor"), "currency": currency}
    return {**payload, "lines": lines, "total": total, "sample": False}


@event("orders", "OrderPlaced", version=3)
class OrderPlaced(_Payload):
    order_id: str
    customer_id: str
    lines: list[OrderLine]
    total: Money
    sample: bool = False
    sample_fee: Money | None = Field(default=None, description="Sample orders (O3): fee per item times items")
    payment_method: PaymentMethod | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    carrier: Carrier | None = Field(
        default=None, description="S1: the carrier the customer chose at checkout; None: placed before carriers"
    )
    contact_email: str | None = Field(default=None, description="Where the order's e-mails go (O6, S1)")
    placed_at: datetime
    shipping_country: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 of the shipping address (S1)"
    )
    personal: Sealed | None = Field(
        default=None,
        description="PersonalDetails (the addresses and the contact e-mail) sealed under the customer's key; "
        "orders fills this and leaves shipping_address, billing_address and contact_email empty",
    )


class PersonalDetails(_Payload):
    """The plaintext of `OrderPlaced.personal`: the checkout details that identify the customer (O1)."""

    shipping_address: Address | None = None
    billing_address: Address | None = None
    contact_email: str | None = None


@upcaster("OrderPlaced", from_version=2)
def _order_placed_v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
    """Orders placed before carriers were offered chose none; their contact e-mail was not published."""
    return {**payload, "carrier": None, "contact_email": None}


@event("orders", "OrderConfirmed")
class OrderConfirmed(_Payload):
    order_id: str
    customer_id: str
    total: Money
    confirmed_at: datetime
    cancellation_policy_version: str


@event("orders", "OrderCancelled")
class OrderCancelled(_Payload):
    """Cancelled (O5): `refund` = amount paid - `fee`, to the original payment method (P6)."""

    order_id: str
    customer_id: str
    fee: Money
    refund: Money
    reason: str
    cancelled_at: datetime
    policy_version: str | None = None


@event("orders", "OrderRefundDue")
class OrderRefundDue(_Payload):
    """More was paid than the order now costs (it was reduced before the money arrived, I3): the
    excess `refund` = `paid` - `total` goes back to the original payment method (P6)."""

    order_id: str
    customer_id: str
    paid: Money
    total: Money
    refund: Money
    reason: str
    due_at: datetime


class ReducedLine(_Payload):
    sku: str
    quantity_before: int = Field(ge=0)
    quantity_after: int = Field(ge=0)


@event("orders", "OrderItemsReduced")
class OrderItemsReduced(_Payload):
    """Line quantities dropped after a shortfall (I3) or a change (O7); `refund` is due (P6)."""

    order_id: str
    customer_id: str
    lines: list[ReducedLine]
    previous_total: Money
    new_total: Money
    refund: Money
    reason: str
    reduced_at: datetime


@event("orders", "OrderChanged")
class OrderChanged(_Payload):
    """An account manager changed a confirmed order (O7): who, when, why. What the change means for the
    money: the total before it, and what it gives back (`refund`, P6); an increase asks for the difference."""

    order_id: str
    customer_id: str
    actor: str
    reason: str
    lines: list[OrderLine]
    new_total: Money
    changed_at: datetime
    previous_total: Money | None = Field(default=None, description="The total before the change; None: not said")
    refund: Money | None = Field(
        default=None, description="P6: what the change gives back of what was paid; None: not said (no refund)"
    )


@event("orders", "OrderProcessingStarted")
class OrderProcessingStarted(_Payload):
    order_id: str
    started_at: datetime


@event("orders", "OrderCompleted")
class OrderCompleted(_Payload):
    order_id: str
    customer_id: str
    completed_at: datetime


@event("orders", "OrderExpired")
class OrderExpired(_Payload):
    """An order not paid within its payment window has ended (O4): like a free cancellation, with
    nothing paid and no fee. Its stock goes back on the shelf (I1); a payment for it that still
    arrives is owed back in full to the original method (P6)."""

    order_id: str
    customer_id: str
    total: Money = Field(description="What the order would have cost; nothing of it was paid")
    reason: str
    placed_at: datetime
    payment_due_at: datetime = Field(description="The end of the payment window (ORDERS_PAYMENT_WINDOW_HOURS)")
    expired_at: datetime


@event("orders", "CartLineChanged")
class CartLineChanged(_Payload):
    """A customer's cart now holds `quantity` of a product (0: the line was removed), after an
    addition, a change or a removal (O1). Inventory holds that much for them while it can (I1).
    Keyed by the cart, so a cart's messages arrive in order."""

    customer_id: str
    sku: str
    quantity: int = Field(ge=0, le=1_000_000)
    changed_at: datetime


@event("orders", "CartCheckedOut")
class CartCheckedOut(_Payload):
    """A customer's cart became an order and is empty again (O1). Keyed by the cart (after its
    lines), hence `placed_order_id` rather than `order_id` (which would key it by the order):
    holds left on its products once the order is reserved are released (I1)."""

    customer_id: str
    placed_order_id: str
    skus: list[str]
    checked_out_at: datetime
