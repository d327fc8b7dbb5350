"""What an order's events may change: the state they apply to (the Order aggregate is one)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.orders.domain.values import (
    Cancellation,
    OrderChange,
    OrderLine,
    PaymentFailure,
    ReservedLine,
    Shipping,
    ShippingProblem,
)


class OrderState(Protocol):
    status: str
    stock: str
    lines: list[OrderLine]
    reservation: list[ReservedLine]
    payment_method: str | None
    paid_minor: int
    refund_due_minor: int
    refunded_minor: int
    confirmed_at: datetime | None
    policy_version: str | None
    weight_grams: int | None
    picking_finished_at: datetime | None
    sla_breached_at: datetime | None
    shipping: Shipping | None
    shipping_problem: ShippingProblem | None
    cancellation: Cancellation | None
    expired_at: datetime | None
    changes: list[OrderChange]
    payment_failures: list[PaymentFailure]
