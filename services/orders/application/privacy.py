"""X4: forgetting a customer (crypto-shredding) and opening sealed details for those allowed to."""

from __future__ import annotations

import json
from typing import Any, Protocol

from services.orders.domain import status as st
from services.orders.domain.cart import Cart
from services.orders.domain.errors import CustomerHasOpenOrders, SealedValueMalformed
from services.orders.domain.order import Order
from shared.events.orders import PersonalDetails
from shared.runtime.clock import Clock
from shared.runtime.privacy.keys import Forgotten, KeyTable
from shared.runtime.privacy.sealing import Erased, open_sealed
from shared.runtime.store import Attempt

DONE = (st.COMPLETED, *st.ENDED)


class Forgetting(Protocol):
    clock: Clock

    def orders_of(self, customer_ids: list[str], limit: int | None = None, offset: int = 0) -> list[Order]: ...

    def cart(self, customer_id: str) -> Cart: ...

    def write(self, key: str, attempt: Attempt[Any]) -> Any: ...


def forget(app: Forgetting, keys: KeyTable, customer_id: str, by: str) -> Forgotten:
    """Destroy the customer's data keys, unless an order of theirs is still open, and record it
    (`CustomerForgotten`, which the other services act on). Idempotent: forgetting again destroys
    nothing more, records nothing and says when the customer was first forgotten.

    Against an order placed at the same moment: the keys are first retired (they still open what they
    sealed; anything sealed from now on gets a fresh key), then the check and the record are one
    save of the customer's cart, which every placing saves too. A placing saved after the cart was
    read makes the record conflict and the check run again (refused: the order is open); a placing
    saved after the record conflicts, decides again and is sealed under the fresh key. Only the
    retired keys are destroyed, after the record, so an order sealed meanwhile keeps its details."""
    retired = keys.retire(customer_id)

    def attempt() -> tuple[bool, list[Any]]:
        cart = app.cart(customer_id)  # read before the orders: a placing saved after this conflicts
        open_orders = [str(o.id) for o in app.orders_of([customer_id]) if o.status not in DONE]
        if open_orders:
            raise CustomerHasOpenOrders(
                f"{customer_id} has {len(open_orders)} open order(s) ({', '.join(open_orders[:5])}); "
                "forget them once every order has completed, been cancelled or expired",
                field="customer_id",
                rule="X4",
            )
        if not cart.orders or (not retired and cart.forgotten_at is not None):
            return False, []  # never ordered anything, or forgotten before with nothing sealed since
        cart.forget(by, app.clock.now())
        return True, [cart]

    app.write(customer_id, attempt)
    return keys.destroy(customer_id, by, retired_only=True)


def open_details(keys: KeyTable, token: dict[str, Any]) -> PersonalDetails | None:
    """The plaintext of a sealed `OrderPlaced.personal`; None once its customer was forgotten."""
    key = keys.key(token["key_id"]) if token.get("alg") != "none" else None
    try:
        return PersonalDetails.model_validate(json.loads(open_sealed(key, token)))
    except Erased:
        return None
    except ValueError as e:  # Malformed base64 or nonce, or not the JSON of PersonalDetails
        raise SealedValueMalformed(f"not a sealed value: {e}", field="ciphertext", rule="X4") from None
