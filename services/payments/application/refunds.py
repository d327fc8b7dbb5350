"""Refunds to the original payment method (P6), and of duplicate charges (P4)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from services.payments.domain import Payment, PaymentNotFound
from shared.runtime.clock import Clock

if TYPE_CHECKING:
    from services.payments.adapters.providers import PaymentProvider

log = logging.getLogger("hallmark.payments.refunds")


class RefundsMixin:
    provider: PaymentProvider | None
    clock: Clock

    def _refund_payment(self, payment: Payment, amount_minor: int, reason: str, key: str) -> int:
        """Refund up to `amount_minor` of a payment to where it came from; return what was refunded."""
        now = self.clock.now()
        if payment.method == "bank_transfer":  # no provider: the domain refunds now or when it settles
            return payment.refund_by_transfer(amount_minor, reason, key, now)
        amount_minor = min(amount_minor, payment.refundable_minor)
        if amount_minor <= 0:
            return 0
        assert self.provider is not None
        left = amount_minor
        for capture in payment.captures:
            if left <= 0:
                break
            part = min(left, capture.amount_minor - _refunded_of(payment, capture.provider_ref))
            if part <= 0:
                continue
            result = self.provider.refund(capture.provider_ref or "", part, f"{key}:{capture.provider_ref}")
            if result.status != "refunded":
                raise RuntimeError(f"the provider refused the refund: {result.reason}")
            payment.record_refund(
                part,
                reason,
                result.refund_ref or f"{key}:{capture.provider_ref}",
                now,
                capture_ref=capture.provider_ref,
            )
            left -= part
        return amount_minor - left

    def _refund_duplicates(self, payment: Payment) -> None:
        for ref, amount in payment.duplicates_to_refund():
            assert self.provider is not None
            result = self.provider.refund(ref, amount, f"duplicate:{ref}")
            payment.record_refund(
                amount,
                "duplicate charge (P4)",
                result.refund_ref or f"duplicate:{ref}",
                self.clock.now(),
                capture_ref=ref,
            )

    def refund_order(
        self, order_id: str, customer_id: str, amount_minor: int, reason: str, key: str, pe: Any = None
    ) -> list[Any]:
        """Refund an order's goods money to its original method: card, PayPal, transfer or deposit (P6)."""
        app: Any = self
        changed: list[Any] = []
        for purpose in ("goods", "sample_fee"):
            try:
                payment = app.payment(order_id, purpose, pe)
            except PaymentNotFound:
                continue
            if self._refund_payment(payment, amount_minor, reason, key):
                changed.append(payment)
            return changed
        account = app.deposit(customer_id, pe=pe)
        paid = account.debited_for(order_id) - account.refunded_for(order_id)
        if paid > 0 and account.refund(order_id, min(amount_minor, paid), reason, key, app.clock.now()):
            changed.append(account)
        elif paid <= 0:
            log.info("nothing paid to refund", extra={"order_id": order_id, "reason": reason})
        return changed


def _refunded_of(payment: Payment, capture_ref: str | None) -> int:
    return sum(r["amount_minor"] for r in payment.refunds if r["capture_ref"] == capture_ref)
