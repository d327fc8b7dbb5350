"""Placing an order: what a new order must satisfy before it exists (O1-O3, S1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.orders.domain.carriers import CarrierCoverage, check_choice
from services.orders.domain.lines import Catalogue, Requested, price_lines
from services.orders.domain.order import Order
from services.orders.domain.values import Checkout


def place(
    order_id: uuid.UUID,
    customer_id: str,
    requested: Requested,
    catalogue: Catalogue,
    details: Checkout | None,
    placed_at: datetime,
    sample_fee_minor: int,
    coverage: CarrierCoverage | None,
) -> Order:
    """A new order (PendingPayment): its lines priced from the catalogue in one currency (O1), each
    at least its product's MOQ (O2) unless it is a sample order, which pays a fee per item (O3);
    shipped by the carrier the customer chose, which must serve the shipping country (S1, samples
    too). The lines are checked first. Without checkout details (tools and tests; the API always
    sends them) the order has no address, so nothing to ship and no carrier to check."""
    lines, currency = price_lines(requested, catalogue, sample=details is not None and details.sample)
    carrier = None if details is None else check_choice(details, coverage)
    details = details or Checkout()
    return Order(
        order_id=str(order_id),
        customer_id=customer_id,
        lines=lines,
        currency=currency,
        placed_at=placed_at,
        sample=details.sample,
        sample_fee_minor=sample_fee_minor if details.sample else 0,
        payment_method=details.payment_method,
        shipping_address=details.shipping_address,
        billing_address=details.billing_address,
        contact_email=details.contact_email,
        carrier=carrier,
    )
