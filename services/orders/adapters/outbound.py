"""Orders domain events -> integration events on `orders.events`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from services.orders.domain.order import Order, order_total
from shared.events import Money
from shared.events import orders as contract
from shared.runtime.translate import Outbound


def translate(domain_event: Any) -> Outbound | None:
    build = _BUILDERS.get(type(domain_event))
    if build is None:
        return None
    event_type, payload = build(domain_event)
    return event_type, payload, str(domain_event.originator_id)


def _money(amount_minor: int, currency: str) -> Money:
    return Money(amount_minor=amount_minor, currency=currency)


def _lines(lines: list[dict[str, Any]], currency: str) -> list[contract.OrderLine]:
    return [
        contract.OrderLine(
            sku=line["sku"], quantity=line["quantity"], unit_price=_money(line["unit_price_minor"], currency)
        )
        for line in lines
    ]


def _placed(e: Any) -> tuple[str, BaseModel]:
    total = order_total(e.lines, e.sample, e.sample_fee_minor)
    return "OrderPlaced", contract.OrderPlaced(
        order_id=e.order_id,
        customer_id=e.customer_id,
        lines=_lines(e.lines, e.currency),
        total=_money(total, e.currency),
        sample=e.sample,
        sample_fee=_money(e.sample_fee_minor, e.currency) if e.sample else None,
        payment_method=e.payment_method,
        shipping_address=e.shipping_address,
        billing_address=e.billing_address,
        placed_at=e.placed_at,
    )


def _confirmed(e: Any) -> tuple[str, BaseModel]:
    return "OrderConfirmed", contract.OrderConfirmed(
        order_id=str(e.originator_id),
        customer_id=e.customer_id,
        total=_money(e.total_minor, e.currency),
        confirmed_at=e.at,
        cancellation_policy_version=e.policy_version,
    )


def _reduced(e: Any) -> tuple[str, BaseModel]:
    return "OrderItemsReduced", contract.OrderItemsReduced(
        order_id=str(e.originator_id),
        customer_id=e.customer_id,
        lines=[contract.ReducedLine(**line) for line in e.lines],
        previous_total=_money(e.previous_total_minor, e.currency),
        new_total=_money(e.new_total_minor, e.currency),
        refund=_money(e.refund_minor, e.currency),
        reason=e.reason,
        reduced_at=e.at,
    )


def _overpaid(e: Any) -> tuple[str, BaseModel]:
    return "OrderRefundDue", contract.OrderRefundDue(
        order_id=str(e.originator_id),
        customer_id=e.customer_id,
        paid=_money(e.paid_minor, e.currency),
        total=_money(e.total_minor, e.currency),
        refund=_money(e.refund_minor, e.currency),
        reason=f"paid {e.paid_minor} for an order reduced to {e.total_minor} before the payment arrived",
        due_at=e.at,
    )


def _cancelled(e: Any) -> tuple[str, BaseModel]:
    return "OrderCancelled", contract.OrderCancelled(
        order_id=str(e.originator_id),
        customer_id=e.customer_id,
        fee=_money(e.fee_minor, e.currency),
        refund=_money(e.refund_minor, e.currency),
        reason=e.reason,
        cancelled_at=e.at,
        policy_version=e.policy_version,
    )


def _changed(e: Any) -> tuple[str, BaseModel]:
    return "OrderChanged", contract.OrderChanged(
        order_id=str(e.originator_id),
        customer_id=e.customer_id,
        actor=e.actor,
        reason=e.reason,
        lines=_lines(e.lines, e.currency),
        new_total=_money(e.new_total_minor, e.currency),
        changed_at=e.at,
    )


def _processing(e: Any) -> tuple[str, BaseModel]:
    return "OrderProcessingStarted", contract.OrderProcessingStarted(order_id=str(e.originator_id), started_at=e.at)


def _completed(e: Any) -> tuple[str, BaseModel]:
    return "OrderCompleted", contract.OrderCompleted(
        order_id=str(e.originator_id), customer_id=e.customer_id, completed_at=e.at
    )


def _breached(e: Any) -> tuple[str, BaseModel]:
    return "PickingSlaBreached", contract.PickingSlaBreached(
        order_id=str(e.originator_id), confirmed_at=e.confirmed_at, due_at=e.due_at, breached_at=e.at
    )


_BUILDERS: dict[type[Any], Callable[[Any], tuple[str, BaseModel]]] = {
    Order.Placed: _placed,
    Order.Confirmed: _confirmed,
    Order.ItemsReduced: _reduced,
    Order.OverpaymentRecorded: _overpaid,
    Order.Cancelled: _cancelled,
    Order.Changed: _changed,
    Order.ProcessingStarted: _processing,
    Order.Completed: _completed,
    Order.PickingSlaBreached: _breached,
}
