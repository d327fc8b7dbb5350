"""Order lines: priced from the catalogue in one currency (O1), at least each product's MOQ (O2) unless a
sample order (O3), within the bounds of quantities and prices (X3), repriced for a change (O7),
totals, and reductions for a shortfall (I3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from services.orders.domain.bounds import check_price, check_quantity
from services.orders.domain.catalogue import CatalogueEntry
from services.orders.domain.errors import BelowMinimumOrderQuantity, MixedCurrencies, UnknownProduct
from services.orders.domain.values import OrderLine, ReducedLine

Catalogue = Callable[[str], CatalogueEntry | None]
"""The catalogue entry of a SKU, or None when the product is not listed."""
Requested = Sequence[tuple[str, int]]
"""(sku, quantity) per line, as the customer or the account manager asked."""

DEFAULT_CURRENCY = "USD"
"""The currency of an order without lines (no product chose one)."""


def price_lines(requested: Requested, catalogue: Catalogue, *, sample: bool) -> tuple[list[OrderLine], str]:
    """Each line at its catalogue price, and the order's currency: that of its products, which must agree.
    A product's lines take 1 to 1,000,000 units together; one priced at 0 or below is not for sale
    (sample orders pay the fee instead of the price)."""
    lines: list[OrderLine] = []
    currency: str | None = None
    units: dict[str, int] = {}
    for index, (sku, quantity) in enumerate(requested):
        entry = listed(catalogue, sku, index)
        units[sku] = check_quantity(sku, quantity, f"lines.{index}.quantity", already=units.get(sku, 0))
        if not sample:
            check_price(sku, entry.unit_price_minor, f"lines.{index}.sku")
        if not sample and quantity < entry.moq:
            raise BelowMinimumOrderQuantity(
                f"{sku}: the minimum order quantity is {entry.moq}, asked for {quantity}",
                field=f"lines.{index}.quantity",
                rule="O2",
            )
        currency = currency or entry.currency
        check_currency(entry, currency, index)
        lines.append(OrderLine(sku, quantity, entry.unit_price_minor))
    return lines, currency or DEFAULT_CURRENCY


def reprice(
    requested: Requested, current: Sequence[OrderLine], currency: str, catalogue: Catalogue, *, sample: bool = False
) -> list[OrderLine]:
    """New lines for a change (O7): products already on the order keep their price, others take the
    catalogue's, in the order's currency, and must be for sale (a price above 0); each line at least its
    product's MOQ, like checkout (O2), unless a sample order (O3); the bounds of a line hold (X3)."""
    prices = {line.sku: line.unit_price_minor for line in current}
    lines = []
    units: dict[str, int] = {}
    for index, (sku, quantity) in enumerate(requested):
        units[sku] = check_quantity(sku, quantity, f"lines.{index}.quantity", already=units.get(sku, 0))
        entry = catalogue(sku) if sku in prices else listed(catalogue, sku, index)
        if entry is not None and not sample:
            check_moq(entry, quantity, index)
        if sku in prices:
            lines.append(OrderLine(sku, quantity, prices[sku]))
            continue
        assert entry is not None
        check_price(sku, entry.unit_price_minor, f"lines.{index}.sku")
        check_currency(entry, currency, index)
        lines.append(OrderLine(sku, quantity, entry.unit_price_minor))
    return lines


def check_moq(entry: CatalogueEntry, quantity: int, index: int) -> None:
    """O2: a line below its product's minimum order quantity is refused, naming the product, MOQ and quantity."""
    if quantity < entry.moq:
        raise BelowMinimumOrderQuantity(
            f"{entry.sku}: the minimum order quantity is {entry.moq}, asked for {quantity}",
            field=f"lines.{index}.quantity",
            rule="O2",
        )


def listed(catalogue: Catalogue, sku: str, index: int) -> CatalogueEntry:
    entry = catalogue(sku)
    if entry is None:
        raise UnknownProduct(f"no product {sku!r} in the catalogue", field=f"lines.{index}.sku", rule="O1")
    return entry


def check_currency(entry: CatalogueEntry, currency: str, index: int) -> None:
    if entry.currency != currency:
        raise MixedCurrencies(
            f"{entry.sku} is priced in {entry.currency}, the order in {currency}: one order takes one currency",
            field=f"lines.{index}.sku",
            rule="O1",
        )


def order_total(lines: Sequence[OrderLine], sample: bool, sample_fee_minor: int) -> int:
    """O3: sample orders pay the sample fee per item; others pay the unit prices."""
    if sample:
        return sum(line.quantity for line in lines) * sample_fee_minor
    return sum(line.amount_minor for line in lines)


def reduce_lines(
    lines: Sequence[OrderLine], quantities: Mapping[str, int]
) -> tuple[list[ReducedLine], list[OrderLine]]:
    """I3: lower each line to the quantity that is there (never raise one); the lowered lines and the new lines."""
    changed = [
        ReducedLine(line.sku, line.quantity, min(line.quantity, max(0, quantities[line.sku])))
        for line in lines
        if line.sku in quantities and quantities[line.sku] < line.quantity
    ]
    after = {c.sku: c.quantity_after for c in changed}
    return changed, [OrderLine(line.sku, after.get(line.sku, line.quantity), line.unit_price_minor) for line in lines]
