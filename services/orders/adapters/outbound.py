"""Orders domain events -> integration events on `orders.events`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel

from services.orders.adapters.privacy import clear_of, sealed_of
from services.orders.domain import changes, fulfilment, payment
from services.orders.domain.cart import Cart
from services.orders.domain.lines import order_total
from services.orders.domain.order import Order
from services.orders.domain.values import Address, OrderLine
from shared.events import Money
from shared.events import orders as contract
from shared.events.privacy import Sealed
from shared.runtime.translate import Outbound, context_of

Context = dict[str, Any]
"""What the application stored with each event (`OrdersApplication.event_context`): customer_id, and
an order's currency."""


def translate(domain_event: Any) -> Outbound | None:
    build = _BUILDERS.get(type(domain_event))
    if build is not None:
        event_type, payload = build(domain_event, context_of(domain_event))
        return event_type, payload, str(domain_event.originator_id)
    build_cart = _CART_BUILDERS.get(type(domain_event))
    built = build_cart(domain_event, context_of(domain_event)) if build_cart is not None else None
    if built is None:
        return None
    return built[0], built[1], None  # keyed by the cart: its messages keep their order


def _money(amount_minor: int, currency: str) -> Money:
    return Money(amount_minor=amount_minor, currency=currency)


def _lines(lines: Sequence[OrderLine], currency: str) -> list[contract.OrderLine]:
    return [
        contract.OrderLine(sku=line.sku, quantity=line.quantity, unit_price=_money(line.unit_price_minor, currency))
        for line in lines
    ]


def _personal(e: Any) -> tuple[str | None, Sealed | None]:
    """The shipping country and the sealed details: the very token stored with the event; an event stored
    before sealing publishes its details unsealed (alg none), as it did before."""
    token = sealed_of(e)
    if token is not None:
        return clear_of(e).get("shipping_country"), Sealed(**token)
    details = contract.PersonalDetails(
        shipping_address=_address(e.shipping_address),
        billing_address=_address(e.billing_address),
        contact_email=e.contact_email,
    )
    country = e.shipping_address.country if isinstance(e.shipping_address, Address) else None
    if details == contract.PersonalDetails():
        return country, None
    plain = base64.urlsafe_b64encode(details.model_dump_json().encode()).decode()
    return country, Sealed(alg="none", key_id="", nonce="", ciphertext=plain)


def _address(address: Address | None) -> contract.Address | None:
    return None if not isinstance(address, Address) else contract.Address(**asdict(address))


def _placed(e: Any, ctx: Context) -> tuple[str, BaseModel]:
    total = order_total(e.lines, e.sample, e.sample_fee_minor)
    country, personal = _personal(e)
    return "OrderPlaced", contract.OrderPlaced(
        order_id=e.order_id,
        customer_id=e.customer_id,
        lines=_lines(e.lines, e.currency),
        total=_money(total, e.currency),
        sample=e.sample,
        sample_fee=_money(e.sample_fee_minor, e.currency) if e.sample else None,
        payment_method=e.payment_method,
        carrier=getattr(e, "carrier", None),  # Placed events stored before carriers were offered have none
        shipping_country=country,
        personal=personal,
        placed_at=e.placed_at,
    )


def _confirmed(e: payment.Confirmed, ctx: Context) -> tuple[str, BaseModel]:
    return "OrderConfirmed", contract.OrderConfirmed(
        order_id=str(e.originator_id),
        customer_id=ctx["customer_id"],
        total=_money(e.total_minor, ctx["currency"]),
        confirmed_at=e.at,
        cancellation_policy_version=e.policy_version,
    )


def _reduced(e: changes.ItemsReduced, ctx: Context) -> tuple[str, BaseModel]:
    return "OrderItemsReduced", contract.OrderItemsReduced(
        order_id=str(e.originator_id),
        customer_id=ctx["customer_id"],
        lines=[contract.ReducedLine(**asdict(line)) for line in e.lines],
        previous_total=_money(e.previous_total_minor, ctx["currency"]),
        new_total=_money(e.new_total_minor, ctx["currency"]),
        refund=_money(e.refund_minor, ctx["currency"]),
        reason=e.reason,
        reduced_at=e.at,
    )


def _overpaid(e: payment.OverpaymentRecorded, ctx: Context) -> tuple[str, BaseModel]:
    return "OrderRefundDue", contract.OrderRefundDue(
        order_id=str(e.originator_id),
        customer_id=ctx["customer_id"],
        paid=_money(e.paid_minor, ctx["currency"]),
        total=_money(e.total_minor, ctx["currency"]),
        refund=_money(e.refund_minor, ctx["currency"]),
        reason=f"paid {e.paid_minor} for an order reduced to {e.total_minor} before the payment arrived",
        due_at=e.at,
    )


def _cancelled(e: changes.Cancelled, ctx: Context) -> tuple[str, BaseModel]:
    return "OrderCancelled", contract.OrderCancelled(
        order_id=str(e.originator_id),
        customer_id=ctx["customer_id"],
        fee=_money(e.fee_minor, ctx["currency"]),
        refund=_money(e.refund_minor, ctx["currency"]),
        reason=e.reason,
        cancelled_at=e.at,
        policy_version=e.policy_version,
    )


def _expired(e: changes.Expired, ctx: Context) -> tuple[str, BaseModel]:
    return "OrderExpired", contract.OrderExpired(
        order_id=str(e.originator_id),
        customer_id=ctx["customer_id"],
        total=_money(e.total_minor, ctx["currency"]),
        reason=e.reason,
        placed_at=e.placed_at,
        payment_due_at=e.payment_due_at,
        expired_at=e.at,
    )


def _changed(e: changes.Changed, ctx: Context) -> tuple[str, BaseModel]:
    previous = e.previous_total_minor  # None in Changed events stored before changes said it
    return "OrderChanged", contract.OrderChanged(
        order_id=str(e.originator_id),
        customer_id=ctx["customer_id"],
        actor=e.actor,
        reason=e.reason,
        lines=_lines(e.lines, ctx["currency"]),
        new_total=_money(e.new_total_minor, ctx["currency"]),
        changed_at=e.at,
        previous_total=_money(previous, ctx["currency"]) if previous is not None else None,
        refund=_money(e.refund_minor, ctx["currency"]) if previous is not None else None,
    )


def _processing(e: fulfilment.ProcessingStarted, ctx: Context) -> tuple[str, BaseModel]:
    return "OrderProcessingStarted", contract.OrderProcessingStarted(order_id=str(e.originator_id), started_at=e.at)


def _completed(e: fulfilment.Completed, ctx: Context) -> tuple[str, BaseModel]:
    return "OrderCompleted", contract.OrderCompleted(
        order_id=str(e.originator_id), customer_id=ctx["customer_id"], completed_at=e.at
    )


_BUILDERS: dict[type[Any], Callable[[Any, Context], tuple[str, BaseModel]]] = {
    Order.Placed: _placed,
    Order.Confirmed: _confirmed,
    Order.ItemsReduced: _reduced,
    Order.OverpaymentRecorded: _overpaid,
    Order.Cancelled: _cancelled,
    Order.Changed: _changed,
    Order.ProcessingStarted: _processing,
    Order.Completed: _completed,
    Order.Expired: _expired,
}


def _line_added(e: Any, ctx: Context) -> tuple[str, BaseModel] | None:
    if getattr(e, "in_cart", None) is None:  # stored before the line's quantity was kept
        return None
    return _line(ctx, e.sku, e.in_cart, e.timestamp)


def _line_changed(e: Any, ctx: Context) -> tuple[str, BaseModel] | None:
    return _line(ctx, e.sku, e.quantity, e.timestamp)


def _line_removed(e: Any, ctx: Context) -> tuple[str, BaseModel] | None:
    return _line(ctx, e.sku, 0, e.timestamp)


def _line(ctx: Context, sku: str, quantity: int, at: Any) -> tuple[str, BaseModel] | None:
    if "customer_id" not in ctx:  # stored before carts named their customer
        return None
    return "CartLineChanged", contract.CartLineChanged(
        customer_id=ctx["customer_id"], sku=sku, quantity=quantity, changed_at=at
    )


def _checked_out(e: Any, ctx: Context) -> tuple[str, BaseModel] | None:
    if not e.from_cart or getattr(e, "skus", None) is None or "customer_id" not in ctx:
        return None
    return "CartCheckedOut", contract.CartCheckedOut(
        customer_id=ctx["customer_id"], placed_order_id=e.order_id, skus=e.skus, checked_out_at=e.timestamp
    )


_CART_BUILDERS: dict[type[Any], Callable[[Any, Context], tuple[str, BaseModel] | None]] = {
    Cart.ItemAdded: _line_added,
    Cart.QuantityChanged: _line_changed,
    Cart.ItemRemoved: _line_removed,
    Cart.OrderRecorded: _checked_out,
}
"""O1, I1: a cart's changes, for inventory to hold what the cart holds."""
