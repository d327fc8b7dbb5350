"""What the tickets service knows of an order, built from other services' events: who bought what
at which price, the shipping cost, when the parcel was signed for and when receipt was confirmed.
It decides eligibility (T1, T2), checks claimed items, and keeps what tickets already asked to
refund so that refunds never exceed what is left (T5)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.tickets.domain.errors import ClaimWindowClosed, InvalidClaim, NotEligible, NotYours
from services.tickets.domain.values import WINDOW_KINDS

RECORD_NAMESPACE = uuid.UUID("5a7c1e3b-2f4d-4c6a-8e9b-0d1f2a3b4c5d")


def order_record_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(RECORD_NAMESPACE, order_id)


class OrderRecord(Aggregate):
    Started: ClassVar[type[Any]]
    Placed: ClassVar[type[Any]]
    LinesChanged: ClassVar[type[Any]]
    ShippingQuoted: ClassVar[type[Any]]
    Delivered: ClassVar[type[Any]]
    ReceiptConfirmed: ClassVar[type[Any]]
    RefundReserved: ClassVar[type[Any]]

    @event("Started")
    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        self.customer_id: str | None = None
        self.currency: str | None = None
        self.lines: dict[str, dict[str, int]] = {}
        """sku -> {"quantity", "unit_price_minor"}: what was shipped (after reductions and changes)."""
        self.shipping: dict[str, Any] | None = None
        self.signed_by: str | None = None
        self.signed_at: datetime | None = None
        self.receipt_confirmed_at: datetime | None = None
        self.refunds: dict[str, dict[str, Any]] = {}
        """refund id -> {"ticket_id", "purpose", "amount_minor", "items"}: what tickets asked payments for."""

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return order_record_id(order_id)

    # --- facts from other services ------------------------------------------------------------
    @event("Placed")
    def place(self, customer_id: str, currency: str, lines: list[dict[str, Any]], at: datetime) -> None:
        self.customer_id = customer_id
        self.currency = currency
        self.lines = _merge(lines)

    @event("LinesChanged")
    def change_lines(self, lines: list[dict[str, Any]], reason: str, at: datetime) -> None:
        self.lines = _merge(lines)

    def reduce(self, quantities: dict[str, int], reason: str, at: datetime) -> bool:
        """Lower line quantities (a shortfall or a change before shipping); False if nothing changes."""
        if not any(sku in self.lines and self.lines[sku]["quantity"] != q for sku, q in quantities.items()):
            return False
        lines = [
            {
                "sku": sku,
                "quantity": quantities.get(sku, line["quantity"]),
                "unit_price_minor": line["unit_price_minor"],
            }
            for sku, line in self.lines.items()
        ]
        self.change_lines(lines=lines, reason=reason, at=at)
        return True

    @event("ShippingQuoted")
    def quote_shipping(self, cost_minor: int, currency: str, weight_grams: int, at: datetime) -> None:
        self.shipping = {"cost_minor": cost_minor, "currency": currency, "weight_grams": weight_grams}

    @event("Delivered")
    def deliver(self, signed_by: str | None, at: datetime) -> None:
        self.signed_by = signed_by
        self.signed_at = at

    def confirm_receipt(self, customer_id: str, at: datetime) -> bool:
        if self.receipt_confirmed_at is not None:
            return False
        self._confirm_receipt(customer_id=customer_id, at=at)
        return True

    @event("ReceiptConfirmed")
    def _confirm_receipt(self, customer_id: str, at: datetime) -> None:
        self.customer_id = self.customer_id or customer_id
        self.receipt_confirmed_at = at

    # --- rules ----------------------------------------------------------------------------------
    def check_may_open(self, customer_id: str, kind: str, at: datetime, window: timedelta) -> None:
        """T1: only after receipt was confirmed; X2: only the buyer; T2: within the claim window."""
        if self.customer_id is not None and self.customer_id != customer_id:
            raise NotYours("this order belongs to another customer", field="order_id", rule="X2")
        if self.receipt_confirmed_at is None:
            raise NotEligible(
                f"order {self.order_id}: a ticket can be opened only after receipt was confirmed",
                field="order_id",
                rule="T1",
            )
        deadline = self.claim_deadline(window)
        if kind in WINDOW_KINDS and at > deadline:
            raise ClaimWindowClosed(
                f"{kind} items must be claimed within {_days(window)} of the parcel being signed for "
                f"({(self.signed_at or self.receipt_confirmed_at).isoformat()}): "
                f"the deadline was {deadline.isoformat()}",
                field="kind",
                rule="T2",
            )

    def claim_deadline(self, window: timedelta) -> datetime:
        """T2: signed + window (still inside, to the second); receipt confirmation if no signing is known."""
        start = self.signed_at or self.receipt_confirmed_at
        assert start is not None, "no deadline before receipt"
        return start + window

    def check_items(self, items: dict[str, int], field: str = "items") -> None:
        """Claimed items must be in the order, and not more than were shipped and not yet refunded."""
        for index, (sku, quantity) in enumerate(items.items()):
            if sku not in self.lines:
                raise InvalidClaim(f"{sku} is not in order {self.order_id}", field=f"{field}.{index}.sku", rule="X3")
            left = self.lines[sku]["quantity"] - self.refunded_quantity(sku)
            if quantity > left:
                raise InvalidClaim(
                    f"{sku}: {quantity} claimed, but only {left} shipped and not yet refunded",
                    field=f"{field}.{index}.quantity",
                    rule="T5",
                )

    # --- refunds --------------------------------------------------------------------------------
    def refunded_quantity(self, sku: str) -> int:
        return sum(r["items"].get(sku, 0) for r in self.refunds.values() if r["purpose"] == "goods")

    def goods_total_minor(self) -> int:
        return sum(line["quantity"] * line["unit_price_minor"] for line in self.lines.values())

    def refundable_minor(self, purpose: str) -> int:
        """What is left to refund of the goods or of the shipping cost, after earlier ticket refunds."""
        paid = self.goods_total_minor() if purpose == "goods" else (self.shipping or {}).get("cost_minor", 0)
        asked = sum(r["amount_minor"] for r in self.refunds.values() if r["purpose"] == purpose)
        return max(0, paid - asked)

    @event("RefundReserved")
    def reserve_refund(
        self, refund_id: str, ticket_id: str, purpose: str, amount_minor: int, items: dict[str, int], at: datetime
    ) -> None:
        self.refunds[refund_id] = {
            "ticket_id": ticket_id,
            "purpose": purpose,
            "amount_minor": amount_minor,
            "items": dict(items),
        }


def _merge(lines: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    merged: dict[str, dict[str, int]] = {}
    for line in lines:
        known = merged.setdefault(line["sku"], {"quantity": 0, "unit_price_minor": line["unit_price_minor"]})
        known["quantity"] += line["quantity"]
    return merged


def _days(window: timedelta) -> str:
    return f"{window.days} days" if window == timedelta(days=window.days) else str(window)
