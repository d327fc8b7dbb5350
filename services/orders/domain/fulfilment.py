"""What happens to an order once it is paid, as the other services report it: picking (I4) and its
SLA breach (O6, timed by inventory), the shipping quote or why none came, and its payment (S1, P7),
dispatch (S2), delivery and receipt (S4).
Each event says how it changes the order; the Order decides whether it may happen."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from eventsourcing.domain import Aggregate

from services.orders.domain import status as st
from services.orders.domain.state import OrderState
from services.orders.domain.values import Shipping, ShippingProblem


class ProcessingStarted(Aggregate.Event):
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.PROCESSING


class PickingFinished(Aggregate.Event):
    weight_grams: int
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.weight_grams = self.weight_grams
        order.picking_finished_at = self.at


class PickingSlaBreached(Aggregate.Event):
    due_at: datetime
    at: datetime
    confirmed_at: datetime

    def apply(self, order: OrderState) -> None:
        order.sla_breached_at = self.at


class ShippingQuoteRefused(Aggregate.Event):
    """Shipping could not quote the prepared goods (S1); the status stays Processing."""

    problem: str
    reason: str
    carrier: str | None
    country: str | None
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.shipping_problem = ShippingProblem(self.problem, self.reason, self.carrier, self.country, self.at)


class ShippingQuoted(Aggregate.Event):
    carrier: str
    cost_minor: int
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.AWAITING_SHIPPING_PAYMENT
        order.shipping = Shipping(self.carrier, self.cost_minor, quoted_at=self.at)
        order.shipping_problem = None


class ShippingPaid(Aggregate.Event):
    amount_minor: int
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.shipping = replace(quoted(order), paid=True, paid_minor=self.amount_minor)


class Dispatched(Aggregate.Event):
    carrier: str
    tracking_number: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.SHIPPED
        order.shipping = replace(quoted(order), tracking_number=self.tracking_number)


class Delivered(Aggregate.Event):
    signed_by: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.DELIVERED


class Completed(Aggregate.Event):
    """The customer confirmed receipt (S4)."""

    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.COMPLETED


def quoted(order: OrderState) -> Shipping:
    """The order's shipping quote; shipping is paid and dispatched only once quoted (the status says so)."""
    if order.shipping is None:
        raise ValueError("shipping has not been quoted")
    return order.shipping
