"""Placing an order: what a new order must satisfy before it exists (O1-O3, S1, X3), when it must be
paid by (O4), and what the request that placed it said (O1, for a retry with the same key)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from services.orders.domain.bounds import check_total
from services.orders.domain.carriers import CarrierCoverage, check_choice
from services.orders.domain.errors import IdempotencyKeyReused
from services.orders.domain.lines import Catalogue, Requested, order_total, price_lines
from services.orders.domain.order import Order
from services.orders.domain.values import Checkout


@dataclass(frozen=True)
class PlacingTerms:
    """What the shop's settings say of every new order."""

    sample_fee_minor: int
    """O3: the fee per item of a sample order."""
    max_total_minor: int
    """X3: an order's total stays below this."""
    payment_window: timedelta
    """O4: unpaid this long after placing, the order expires."""


def place(
    order_id: uuid.UUID,
    customer_id: str,
    requested: Requested,
    catalogue: Catalogue,
    details: Checkout | None,
    placed_at: datetime,
    terms: PlacingTerms,
    coverage: CarrierCoverage | None,
    request_digest: str | None = None,
) -> Order:
    """A new order (PendingPayment): its lines priced from the catalogue in one currency (O1), each
    at least its product's MOQ (O2) unless it is a sample order, which pays a fee per item (O3),
    within the bounds of quantities, prices and totals (X3); shipped by the carrier the customer
    chose, which must serve the shipping country (S1, samples too). The lines are checked first.
    Without checkout details (tools and tests; the API always sends them) the order has no address,
    so nothing to ship and no carrier to check."""
    sample = details is not None and details.sample
    lines, currency = price_lines(requested, catalogue, sample=sample)
    fee = terms.sample_fee_minor if sample else 0
    check_total(order_total(lines, sample, fee), currency, terms.max_total_minor)
    carrier = None if details is None else check_choice(details, coverage)
    details = details or Checkout()
    return Order(
        order_id=str(order_id),
        customer_id=customer_id,
        lines=lines,
        currency=currency,
        placed_at=placed_at,
        sample=details.sample,
        sample_fee_minor=fee,
        payment_method=details.payment_method,
        shipping_address=details.shipping_address,
        billing_address=details.billing_address,
        contact_email=details.contact_email,
        carrier=carrier,
        payment_due_at=placed_at + terms.payment_window,
        request_digest=request_digest,
    )


def request_digest(lines: Requested | None, details: Checkout | None) -> str:
    """O1: what a request to place an order says, normalised (lines in SKU order; a checkout's lines
    are the cart's, which checking out empties, so only its details count), as a SHA-256 digest."""
    request = {
        "lines": None if lines is None else sorted([sku, quantity] for sku, quantity in lines),
        "details": None if details is None else asdict(details),
    }
    return hashlib.sha256(json.dumps(request, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_same_request(order: Order, digest: str) -> None:
    """O1: a retry with the same Idempotency-Key returns the order only if it asks for the same."""
    if order.request_digest is not None and digest != order.request_digest:
        raise IdempotencyKeyReused(
            f"this Idempotency-Key placed order {order.order_id} from a different request; a new order needs a new key",
            field="Idempotency-Key",
            rule="O1",
        )
