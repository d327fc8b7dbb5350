"""Which orders data is personal, and how it is sealed (crypto-shredding, shared.runtime.privacy).

A placed order's addresses and contact e-mail are sealed under the customer's key in the store, in
the published `OrderPlaced` (`personal`, the same ciphertext) and in the Order's snapshots. The
plaintext is the contract's `PersonalDetails`, so a consumer that is allowed to open it reads the
published form. The shipping country stays readable: it is not identifying alone and shipping
quotes by it (S1). Forgetting a customer leaves the amounts, lines and statuses as they were."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.orders.domain.order import Order
from services.orders.domain.values import Address
from shared.runtime.privacy.mapper import Personal, Values

FIELDS = ("shipping_address", "billing_address", "contact_email")


def _encode(values: Values) -> Values:
    return {
        "shipping_address": _plain(values.get("shipping_address")),
        "billing_address": _plain(values.get("billing_address")),
        "contact_email": values.get("contact_email"),
    }


def _plain(address: Any) -> Values | None:
    return asdict(address) if isinstance(address, Address) else None


def _decode(plain: Values) -> Values:
    def address(value: Values | None) -> Address | None:
        known = {"name", "line1", "line2", "city", "postal_code", "country"}
        return None if value is None else Address(**{k: v for k, v in value.items() if k in known})

    return {
        "shipping_address": address(plain.get("shipping_address")),
        "billing_address": address(plain.get("billing_address")),
        "contact_email": plain.get("contact_email"),
    }


def _clear(values: Values) -> Values:
    shipping = values.get("shipping_address")
    return {"shipping_country": shipping.country if isinstance(shipping, Address) else None}


CHECKOUT_DETAILS = Personal(fields=FIELDS, encode=_encode, decode=_decode, clear=_clear)

PERSONAL_DATA: dict[type, Personal] = {Order.Placed: CHECKOUT_DETAILS, Order: CHECKOUT_DETAILS}
"""The Order.Placed events and the Order snapshots (which keep the same attributes)."""


def clear_of(domain_event: Any) -> Values:
    """What stayed readable of a sealed event (empty for one stored before sealing)."""
    clear: Values = vars(domain_event).get("_clear") or {}
    return clear


def sealed_of(domain_event: Any) -> dict[str, Any] | None:
    """The sealed token stored with the event (None for one stored before sealing)."""
    token: dict[str, Any] | None = vars(domain_event).get("_sealed")
    return token
