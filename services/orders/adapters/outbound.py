"""Orders domain events -> integration events on `orders.events`."""

from __future__ import annotations

from typing import Any

from services.orders.domain.order import Order
from shared.events import Money
from shared.events.orders import OrderLine, OrderPlaced
from shared.runtime.translate import Outbound


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, Order.Placed):
        currency = domain_event.currency
        payload = OrderPlaced(
            order_id=domain_event.order_id,
            customer_id=domain_event.customer_id,
            lines=[
                OrderLine(
                    sku=line["sku"],
                    quantity=line["quantity"],
                    unit_price=Money(amount_minor=line["unit_price_minor"], currency=currency),
                )
                for line in domain_event.lines
            ],
            total=Money(amount_minor=domain_event.total_minor, currency=currency),
            sample=domain_event.sample,
            placed_at=domain_event.placed_at,
        )
        return "OrderPlaced", payload, domain_event.order_id
    return None
