"""Money arithmetic in integer minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent_of(amount_minor: int, percent: str) -> int:
    """`percent` % of an amount in minor units, rounded half up to a whole minor unit."""
    exact = Decimal(amount_minor) * Decimal(percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
