"""Which payments data is personal (crypto-shredding, shared.runtime.privacy): the card's last four
digits a capture or a declined attempt records. They are sealed under the customer's key in payments'
own key table (`hallmark_customer_keys` in the payments database); the customer is the payment's
(its event context). Amounts, networks, references and statuses stay readable: the books and the
refunds need them, and they identify no one. Payments publishes no last four digits."""

from __future__ import annotations

from services.payments.domain.payment import Payment
from shared.runtime.privacy.mapper import Personal, Values


def _same(values: Values) -> Values:
    return {"last4": values.get("last4")}


CARD = Personal(fields=("last4",), encode=_same, decode=_same)

PERSONAL_DATA: dict[type, Personal] = {Payment.CaptureRecorded: CARD, Payment.CaptureDeclined: CARD}
"""Payments are not snapshotted (only deposit accounts are, which hold no card data)."""
