"""S2: when the shipping is paid. Money captured by card or PayPal, debited from the deposit, or a
bank transfer settled counts, if it covers the quote in its currency; a payment voucher alone is a
promise (P2 confirms orders on it, but the parcel waits for the money)."""

from __future__ import annotations

from typing import Any

from services.shipping.domain.errors import DispatchRefused

Record = dict[str, Any] | None


def covers(payment: Record, quote: Record) -> bool:
    if payment is None or quote is None:
        return False
    return payment["currency"] == quote["currency"] and payment["amount_minor"] >= quote["cost_minor"]


def check_dispatchable(cancelled: Record, quote: Record, payment: Record, voucher: Record) -> None:
    """Refuse (S2) to dispatch a cancelled, unquoted or not (fully) paid shipment, saying why."""
    if cancelled:
        raise DispatchRefused("the order was cancelled: nothing is dispatched", field="order_id", rule="S2")
    if quote is None:
        raise DispatchRefused("shipping has not been quoted yet", field="order_id", rule="S2")
    if payment is None:
        waiting = " (a voucher was received; the transfer has not settled)" if voucher else ""
        raise DispatchRefused(f"the shipping cost is not paid yet{waiting}", field="payment", rule="S2")
    if not covers(payment, quote):
        paid, cost = f"{payment['amount_minor']} {payment['currency']}", f"{quote['cost_minor']} {quote['currency']}"
        raise DispatchRefused(f"paid {paid} of the quoted {cost}", field="payment", rule="S2")
