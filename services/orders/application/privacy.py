"""X4: forgetting a customer (crypto-shredding) and opening sealed details for those allowed to."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from services.orders.domain import status as st
from services.orders.domain.errors import CustomerHasOpenOrders
from services.orders.domain.order import Order
from shared.events.orders import PersonalDetails
from shared.runtime.privacy.keys import Forgotten, KeyTable
from shared.runtime.privacy.sealing import Erased, open_sealed

DONE = (st.COMPLETED, *st.ENDED)


def forget(keys: KeyTable, orders_of: Callable[[list[str]], list[Order]], customer_id: str, by: str) -> Forgotten:
    """Destroy the customer's data keys, unless an order of theirs is still open. Idempotent: forgetting
    again destroys nothing more and says when the customer was first forgotten."""
    open_orders = [str(o.id) for o in orders_of([customer_id]) if o.status not in DONE]
    if open_orders:
        raise CustomerHasOpenOrders(
            f"{customer_id} has {len(open_orders)} open order(s) ({', '.join(open_orders[:5])}); "
            "forget them once every order has completed, been cancelled or expired",
            field="customer_id",
            rule="X4",
        )
    return keys.destroy(customer_id, by)


def open_details(keys: KeyTable, token: dict[str, Any]) -> PersonalDetails | None:
    """The plaintext of a sealed `OrderPlaced.personal`; None once its customer was forgotten."""
    key = keys.key(token["key_id"]) if token.get("alg") != "none" else None
    try:
        return PersonalDetails.model_validate(json.loads(open_sealed(key, token)))
    except Erased:
        return None
