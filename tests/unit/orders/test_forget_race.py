"""X4 against a new order at the same moment: forgetting and placing are serialised by the customer's
cart (both save it), and the forget destroys only the keys it retired first, so an order placed while
a forget runs is either refused to the forget (409) or sealed under a fresh key that survives it.
Orders records the forget once (`CustomerForgotten`, published for the other services).

The other writer is a second replica sharing the store: it has locks of its own, so it is run here
with a fresh set of them, at the exact point of the forget named by each test."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from services.orders.adapters.outbound import translate
from services.orders.application.serial import StripedLocks
from services.orders.domain.cart import cart_id
from services.orders.domain.errors import CustomerHasOpenOrders
from shared.runtime.privacy.keys import Forgotten, KeyTable
from tests.unit.orders.scenario import Scenario

RINGS = [("RING-STEEL-PEARL", 12)]


def as_another_replica(s: Scenario, act: Callable[[], Any]) -> Any:
    own = s.app.locks
    s.app.locks = StripedLocks()
    try:
        return act()
    finally:
        s.app.locks = own


class DestroyingAfter:
    """The real key table; `before_destroy` runs between the forget's record and the destruction."""

    def __init__(self, keys: KeyTable, before_destroy: Callable[[], Any]) -> None:
        self.keys, self.before_destroy = keys, before_destroy

    def current(self, customer_id: str) -> tuple[str, bytes]:
        return self.keys.current(customer_id)

    def key(self, key_id: str) -> bytes | None:
        return self.keys.key(key_id)

    def retire(self, customer_id: str) -> int:
        return self.keys.retire(customer_id)

    def destroy(self, customer_id: str, by: str, *, retired_only: bool = False) -> Forgotten:
        self.before_destroy()
        return self.keys.destroy(customer_id, by, retired_only=retired_only)


def forgotten_events(s: Scenario) -> list[tuple[str, dict[str, Any]]]:
    found = [translate(e) for e in s.app.domain_events(cart_id("cust-1"))]
    return [(out[0], out[1].model_dump(mode="json")) for out in found if out and out[0] == "CustomerForgotten"]


def test_X4_an_order_placed_between_the_forget_and_the_key_destruction_keeps_its_details() -> None:
    s = Scenario()
    old = s.place(RINGS)
    s.app.cancel(old)
    placed: list[uuid.UUID] = []
    real = s.app.keys
    assert real is not None
    s.app.keys = DestroyingAfter(real, lambda: placed.append(as_another_replica(s, lambda: s.place(RINGS))))

    done = s.app.forget_customer("cust-1", "ops-1")

    assert done.keys_destroyed == 1  # the retired key only: the new order's fresh key survives
    assert (s.order(old).contact_email, s.order(placed[0]).contact_email) == ("[erased]", "ana@example.com")
    assert s.order(placed[0]).status == "PendingPayment"


def test_X4_an_order_saved_while_the_forget_checks_makes_it_refused_and_nothing_is_destroyed() -> None:
    s = Scenario()
    old = s.place(RINGS)
    s.app.cancel(old)
    placed: list[uuid.UUID] = []
    checking = s.app.orders_of

    def orders_of(customer_ids: list[str], limit: int | None = None, offset: int = 0) -> list[Any]:
        found = checking(customer_ids, limit, offset)  # seen before the other replica saves its order
        if not placed:
            placed.append(as_another_replica(s, lambda: s.place(RINGS)))
        return found

    s.app.orders_of = orders_of  # type: ignore[method-assign]
    with pytest.raises(CustomerHasOpenOrders):
        s.app.forget_customer("cust-1", "ops-1")  # the record conflicted on the cart; decided again: open

    assert (s.order(old).contact_email, s.order(placed[0]).contact_email) == ("ana@example.com",) * 2
    assert forgotten_events(s) == []
    s.app.cancel(placed[0])
    assert s.app.forget_customer("cust-1", "ops-1").keys_destroyed == 2  # the retired key and the new one
    assert (s.order(old).contact_email, s.order(placed[0]).contact_email) == ("[erased]",) * 2


def test_X4_forgetting_is_recorded_and_published_once_for_the_other_services() -> None:
    s = Scenario()
    s.app.cancel(s.place(RINGS))
    s.app.forget_customer("cust-1", "ops-1")
    s.app.forget_customer("cust-1", "ops-2")  # nothing sealed since: nothing more recorded
    events = forgotten_events(s)
    assert [(t, p["customer_id"], p["forgotten_by"]) for t, p in events] == [("CustomerForgotten", "cust-1", "ops-1")]
    assert s.app.forget_customer("nobody", "ops-1").keys_destroyed == 0  # never ordered: nothing recorded
    assert cart_id("nobody") not in s.app.repository


def test_X4_a_customer_who_ordered_again_after_a_forget_is_forgotten_again() -> None:
    s = Scenario()
    s.app.cancel(s.place(RINGS))
    s.app.forget_customer("cust-1", "ops-1")
    s.app.cancel(s.place(RINGS))
    assert s.app.forget_customer("cust-1", "ops-2").keys_destroyed == 1
    assert [p["forgotten_by"] for _, p in forgotten_events(s)] == ["ops-1", "ops-2"]
