"""T5 refund amounts, in integer minor units.

- Damaged, defective or incorrect items: the items' value (unit price x quantity).
- Shortage: the missing items' value plus their share of the shipping cost, pro rata by weight:
  cost x (weight of the missing items / weight of everything shipped), rounded half up, with the
  catalogue weight per SKU (SkuCatalogued). If a shipped SKU's weight is unknown (or all weigh 0)
  the share is pro rata by value instead, and the refund says so. No shipping quote known: no share.
- Each part is capped by what the order still has refundable for that purpose (goods, shipping)
  after earlier ticket refunds; payments caps again by what was actually paid (P6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from services.tickets.domain.errors import NothingToRefund


class RefundableOrder(Protocol):
    order_id: str
    currency: str | None
    lines: dict[str, dict[str, int]]
    shipping: dict[str, Any] | None

    def refundable_minor(self, purpose: str) -> int: ...


@dataclass(frozen=True)
class RefundPart:
    purpose: str
    amount_minor: int
    asked_minor: int
    currency: str
    items: dict[str, int]
    explanation: str


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both non-negative, denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def items_value(lines: dict[str, dict[str, int]], items: dict[str, int]) -> int:
    return sum(quantity * lines[sku]["unit_price_minor"] for sku, quantity in items.items())


def shipping_share(
    cost_minor: int, lines: dict[str, dict[str, int]], items: dict[str, int], weights: dict[str, int | None]
) -> tuple[int, str]:
    """The missing items' share of the shipping cost and the basis used ("weight" or "value")."""
    known = {sku: weights.get(sku) for sku in lines}
    if all(w is not None for w in known.values()):
        total = sum(line["quantity"] * (known[sku] or 0) for sku, line in lines.items())
        if total > 0:
            missing = sum(quantity * (known[sku] or 0) for sku, quantity in items.items())
            return half_up(cost_minor * missing, total), "weight"
    total = items_value(lines, {sku: line["quantity"] for sku, line in lines.items()})
    if total <= 0:
        return 0, "value"
    return half_up(cost_minor * items_value(lines, items), total), "value"


def plan_refund(
    kind: str, items: dict[str, int], order: RefundableOrder, weights: dict[str, int | None]
) -> list[RefundPart]:
    """The refund requests a resolution sends to payments (one per purpose with something to pay)."""
    currency = order.currency or "USD"
    described = ", ".join(f"{q} x {sku}" for sku, q in items.items())
    goods_asked = items_value(order.lines, items)
    parts = [
        RefundPart(
            "goods",
            min(goods_asked, order.refundable_minor("goods")),
            goods_asked,
            currency,
            items,
            f"{kind}: {described}",
        )
    ]
    if kind == "shortage" and order.shipping:
        cost = int(order.shipping["cost_minor"])
        share, basis = shipping_share(cost, order.lines, items, weights)
        parts.append(
            RefundPart(
                "shipping",
                min(share, order.refundable_minor("shipping")),
                share,
                str(order.shipping["currency"]),
                items,
                f"shortage: share of the shipping cost {cost} for {described}, pro rata by {basis}",
            )
        )
    parts = [p for p in parts if p.amount_minor > 0]
    if not parts:
        raise NothingToRefund(
            f"order {order.order_id} has nothing left to refund for {described or 'these items'}",
            field="items",
            rule="T5",
        )
    return parts
