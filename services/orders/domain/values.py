"""Frozen value objects of the orders domain. Money is integer minor units plus a currency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal


def percent_of(amount_minor: int, percent: str, rounding: str = ROUND_HALF_UP) -> int:
    """`percent` % of an amount in minor units, rounded to a whole minor unit (half up unless told)."""
    exact = Decimal(amount_minor) * Decimal(percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=rounding))


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class OrderLine:
    """A priced line: the unit price is in the order's currency."""

    sku: str
    quantity: int
    unit_price_minor: int

    @property
    def amount_minor(self) -> int:
        return self.quantity * self.unit_price_minor


@dataclass(frozen=True, kw_only=True)
class Address:
    name: str
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class Checkout:
    """What placing an order asks for besides the items (O1)."""

    shipping_address: Address | None = None
    billing_address: Address | None = None
    payment_method: str | None = None
    sample: bool = False
    contact_email: str | None = None
    carrier: str | None = None
    """S1: the carrier the customer chose (DHL or FedEx); it must serve the shipping country."""


@dataclass(frozen=True)
class ReservedLine:
    """What inventory reserved of a line (I2): asked = reserved + short."""

    sku: str
    asked: int
    reserved: int
    short: int


@dataclass(frozen=True)
class ReducedLine:
    """A line lowered by a shortfall (I3)."""

    sku: str
    quantity_before: int
    quantity_after: int


@dataclass(frozen=True)
class Shipping:
    """The shipping quote (S1), its payment (P7) and the tracking number once dispatched (S2)."""

    carrier: str
    cost_minor: int
    quoted_at: datetime
    paid: bool = False
    paid_minor: int | None = None
    tracking_number: str | None = None
    refunded_minor: int = 0
    """P6: what went back of the shipping payment (a ticket's outcome, T5)."""


@dataclass(frozen=True)
class ShippingProblem:
    """S1: why shipping could not quote the prepared goods (e.g. a parcel above the carrier's heaviest
    band), shown on the order until a quote comes."""

    problem: str
    reason: str
    carrier: str | None
    country: str | None
    at: datetime


@dataclass(frozen=True)
class Cancellation:
    fee_minor: int
    refund_minor: int
    reason: str
    at: datetime


@dataclass(frozen=True)
class OrderChange:
    """An account manager's change (O7): who, when, why, and the lines it replaced."""

    actor: str
    reason: str
    at: datetime
    lines_before: tuple[OrderLine, ...]

    def __post_init__(self) -> None:
        lines: Sequence[OrderLine] = self.lines_before
        object.__setattr__(self, "lines_before", tuple(lines))  # stored as a JSON list


@dataclass(frozen=True)
class CancellationTerms:
    """O5: what cancelling at `at` would cost (fee) and give back (refund), and whether it is allowed."""

    status: str | None
    cancellable: bool
    fee_minor: int
    refund_minor: int
    currency: str
    reason: str
    policy_version: str
    at: datetime
    hours_since_placed: float | None


@dataclass(frozen=True)
class PaymentFailure:
    purpose: str
    reason: str
    at: datetime


VALUE_TYPES: tuple[type, ...] = (
    Money,
    OrderLine,
    Address,
    ReservedLine,
    ReducedLine,
    Shipping,
    ShippingProblem,
    Cancellation,
    OrderChange,
    PaymentFailure,
)
"""The value objects that occur in stored events and snapshots (the application registers their transcodings)."""
