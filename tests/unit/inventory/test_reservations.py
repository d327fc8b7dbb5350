"""I2 on reservations: never more than there is, the shortage stated; a decision made on a stale
state is caught by the store and made again; redelivery reserves once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.inventory.domain.errors import NotEnoughStock
from services.inventory.domain.sku import Sku
from shared.events import orders as contract
from tests.unit.inventory.scenario import PENDANT, RING, T0, Scenario, usd


def lines(s: Scenario, order_id: str) -> list[dict[str, Any]]:
    [(event_type, payload)] = s.published(order_id)
    assert event_type == "StockReserved"
    return payload["lines"]


def test_I2_reservations_never_exceed_stock_and_a_partial_one_states_the_shortage() -> None:
    s = Scenario(ring=20, pendant=50)
    first = s.place((RING, 12), (PENDANT, 6))
    second = s.place((RING, 12))
    third = s.place((RING, 5))
    assert lines(s, first) == [
        {"sku": RING, "asked": 12, "reserved": 12, "short": 0},
        {"sku": PENDANT, "asked": 6, "reserved": 6, "short": 0},
    ]
    assert lines(s, second) == [{"sku": RING, "asked": 12, "reserved": 8, "short": 4}]
    assert lines(s, third) == [{"sku": RING, "asked": 5, "reserved": 0, "short": 5}]
    ring = s.sku(RING)
    assert (ring.on_hand, ring.reserved, ring.available) == (20, 20, 0)
    assert ring.reservations == {first: 12, second: 8}
    assert s.app.reservation(third).reserved == {RING: 0}


def test_I2_an_unknown_sku_on_an_order_is_reserved_as_entirely_short() -> None:
    s = Scenario()
    order = s.place(("NO-SUCH", 3))
    assert lines(s, order) == [{"sku": "NO-SUCH", "asked": 3, "reserved": 0, "short": 3}]


def test_I2_a_redelivered_order_is_reserved_once() -> None:
    s = Scenario(ring=20)
    order = s.place((RING, 7))
    message_count = s.app.max_notification_id()
    # Same order, new message (a republish under a new notification id): no second reservation.
    again = contract.OrderPlaced(
        order_id=order,
        customer_id="cust-1",
        lines=[contract.OrderLine(sku=RING, quantity=7, unit_price=usd(100))],
        total=usd(700),
        placed_at=T0,
    )
    s.feed("OrderPlaced", again)
    assert s.app.max_notification_id() == message_count
    assert s.sku().reserved == 7


def test_I2_a_decision_on_a_stale_state_fails_on_save_and_is_made_again_on_the_new_state() -> None:
    s = Scenario(ring=20)
    expires = T0 + timedelta(minutes=30)
    attempts: list[int] = []

    def attempt() -> tuple[None, list[Sku]]:
        sku = s.app.get_sku(RING)
        if not attempts:
            # Another writer (another replica) holds 15 between our read and our save.
            rival = s.app.get_sku(RING)
            rival.place_hold("rival", "cust-r", 15, expires)
            s.app.save(rival)
        attempts.append(sku.version)
        sku.place_hold("mine", "cust-m", 10, expires)  # fine on the stale state (20 free) ...
        return None, [sku]

    # ... but the store refuses the stale version; decided again, 10 of the 5 left is refused.
    with pytest.raises(NotEnoughStock) as info:
        s.app.commit(attempt)
    assert str(info.value) == f"{RING}: only 5 available, asked for 10"
    assert attempts == [1, 2]
    assert (s.sku().held, s.sku().available) == (15, 5)
    assert list(s.sku().holds) == ["rival"]
