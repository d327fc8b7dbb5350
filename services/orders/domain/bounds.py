"""Where quantities and money enter an order they are bounded (X3, the money bounds of issue 12):
a line, or all of one product in a cart or an order, takes 1 to 1,000,000 units; a product is for
sale only at a price above 0; an order's total stays below the configured ceiling. Each check runs
before anything is recorded."""

from __future__ import annotations

from services.orders.domain.errors import OutOfBounds

MAX_QUANTITY = 1_000_000
"""The most units of one product a cart line or an order takes (the HTTP models use it too)."""


def check_quantity(sku: str, quantity: int, field: str, *, already: int = 0) -> int:
    """`already` units plus `quantity` more of `sku`: refused unless 1 <= quantity and the sum <= MAX_QUANTITY;
    returns the sum."""
    if quantity < 1:
        raise OutOfBounds(f"{sku}: a quantity is at least 1, asked for {quantity}", field=field, rule="X3")
    total = already + quantity
    if total > MAX_QUANTITY:
        what = f"{already:,} already and {quantity:,} more make {total:,}" if already else f"asked for {total:,}"
        raise OutOfBounds(f"{sku}: at most {MAX_QUANTITY:,} units of one product, {what}", field=field, rule="X3")
    return total


def check_price(sku: str, unit_price_minor: int, field: str) -> None:
    """A product listed at 0 or below is not for sale (a negative price would make a negative order)."""
    if unit_price_minor <= 0:
        raise OutOfBounds(
            f"{sku} is listed at {unit_price_minor} minor units: not for sale until it has a price above 0",
            field=field,
            rule="X3",
        )


def check_total(total_minor: int, currency: str, ceiling_minor: int, field: str = "lines") -> None:
    """An order's total stays below the ceiling (ORDERS_MAX_ORDER_TOTAL_MINOR)."""
    if total_minor >= ceiling_minor:
        raise OutOfBounds(
            f"the order would total {total_minor:,} {currency} minor units; orders stay below {ceiling_minor:,}",
            field=field,
            rule="X3",
        )
