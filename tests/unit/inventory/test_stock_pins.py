"""Stock arithmetic of the SKU aggregate pinned at its edges (zero and one unit, one unit over, part
of a hold), so that every non-equivalent mutant of `domain/sku.py` fails a test (`make mutate`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.inventory.domain.errors import InventoryError, StockWouldGoNegative
from services.inventory.domain.sku import Sku
from services.inventory.domain.values import Hold

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(minutes=30)


def stocked(on_hand: int) -> Sku:
    sku = Sku("RING-1", "Steel ring", 450, "USD", 12, 5, on_hand)
    sku.collect_events()
    return sku


def events(sku: Sku) -> list[tuple[str, dict[str, object]]]:
    """The events recorded since the last call: type and the arguments they carry."""
    return [
        (type(e).__name__, {k: v for k, v in e.__dict__.items() if not k.startswith("originator") and k != "timestamp"})
        for e in sku.collect_events()
    ]


def committed(on_hand: int, holds: list[int], orders: list[int]) -> Sku:
    sku = stocked(on_hand)
    for n, quantity in enumerate(holds, 1):
        sku.place_hold(f"hold-{n}", f"cust-{n}", quantity, UNTIL)
    for n, quantity in enumerate(orders, 1):
        sku.reserve(f"order-{n}", "cust-0", quantity)
    sku.collect_events()
    return sku


# --- a count below what is committed (I2, I3) ------------------------------------------------------
def test_I2_I3_a_count_one_unit_below_what_is_held_and_reserved_cuts_exactly_that_unit() -> None:
    sku = committed(20, holds=[3], orders=[10])
    assert sku.adjust(12, "stock count", "ops-1", "counted") == {}
    assert (sku.on_hand, sku.held, sku.reserved, sku.available) == (12, 2, 10, 0)
    assert sku.holds["hold-1"] == Hold("cust-1", 2, UNTIL)  # the hold is cut, not removed


def test_I2_I3_a_count_one_unit_below_what_is_reserved_cuts_one_unit_of_the_newest_order() -> None:
    sku = committed(20, holds=[], orders=[6, 4])
    assert sku.adjust(9, "damaged batch", "ops-1", "change") == {"order-2": 1}
    assert (sku.on_hand, sku.held, sku.reserved, sku.available) == (9, 0, 9, 0)
    assert sku.reservations == {"order-1": 6, "order-2": 3}


def test_I2_I3_a_count_cuts_a_hold_partly_then_keeps_the_older_one_whole() -> None:
    sku = committed(20, holds=[4, 5], orders=[])
    assert sku.adjust(6, "stock count", "ops-1", "counted") == {}
    assert sku.holds == {"hold-1": Hold("cust-1", 4, UNTIL), "hold-2": Hold("cust-2", 2, UNTIL)}
    assert sku.available == 0


def test_I2_stock_can_be_counted_down_to_zero_but_not_below() -> None:
    sku = committed(5, holds=[1], orders=[2])
    assert sku.adjust(0, "stock count", "ops-1", "counted") == {"order-1": 2}
    assert (sku.on_hand, sku.held, sku.reserved, sku.available) == (0, 0, 0, 0)
    with pytest.raises(StockWouldGoNegative) as below:
        sku.adjust(-1, "damaged batch", "ops-1", "change")
    assert str(below.value) == "RING-1: 0 on hand; this would leave -1, and stock cannot go below 0"
    assert (below.value.field, below.value.rule) == ("change", "I2")


# --- receipts (X3) ---------------------------------------------------------------------------------
@pytest.mark.parametrize("quantity", [0, -1])
def test_X3_a_receipt_of_nothing_or_less_is_refused_naming_field_and_rule(quantity: int) -> None:
    sku = stocked(5)
    with pytest.raises(InventoryError) as refused:
        sku.receive(quantity, "po-1", "ops-1")
    assert str(refused.value) == "a receipt must add at least 1"
    assert (refused.value.field, refused.value.rule) == ("quantity", "X3")
    assert (sku.on_hand, events(sku)) == (5, [])


def test_I2_a_receipt_of_one_unit_adds_one() -> None:
    sku = stocked(0)
    sku.receive(1, "po-1", "ops-1")
    assert sku.on_hand == 1


# --- releasing and picking at zero and one unit (I4) -----------------------------------------------
def test_I4_releasing_an_order_that_reserved_nothing_releases_0_and_records_nothing() -> None:
    sku = committed(10, holds=[], orders=[3])
    assert sku.release("order-9", "cancelled") == 0
    assert sku.release("order-9", "cancelled", quantity=2) == 0
    assert sku.release("order-1", "changed", quantity=0) == 0
    assert (sku.reservations, events(sku)) == ({"order-1": 3}, [])


def test_I4_releasing_one_unit_releases_one_with_the_reason() -> None:
    sku = committed(10, holds=[], orders=[3])
    assert sku.release("order-1", "changed", quantity=1) == 1
    assert sku.reservations == {"order-1": 2}
    assert events(sku) == [("ReservationReleased", {"order_id": "order-1", "quantity": 1, "reason": "changed"})]
    assert sku.release("order-1", "cancelled", quantity=5) == 2  # never more than the order has
    assert sku.reservations == {}


def test_I4_picking_an_order_with_nothing_reserved_picks_0_and_records_nothing() -> None:
    sku = committed(10, holds=[], orders=[1])
    picked = sku.pick("order-9")
    assert (picked, type(picked)) == (0, int)
    assert (sku.on_hand, sku.reservations, events(sku)) == (10, {"order-1": 1}, [])


def test_I4_picking_one_unit_takes_it_off_the_shelf() -> None:
    sku = committed(10, holds=[], orders=[1])
    assert sku.pick("order-1") == 1
    assert (sku.on_hand, sku.reservations, sku.available) == (9, {}, 9)
    assert events(sku) == [("Picked", {"order_id": "order-1", "quantity": 1})]


# --- holds (I1) and reservations (I2) --------------------------------------------------------------
def test_I1_releasing_a_hold_that_is_gone_releases_0_and_one_that_is_there_records_its_quantity() -> None:
    sku = committed(10, holds=[3], orders=[])
    assert sku.release_hold("hold-9", "released") == 0
    assert events(sku) == []
    assert sku.release_hold("hold-1", "expired") == 3
    assert events(sku) == [("HoldReleased", {"hold_id": "hold-1", "quantity": 3, "reason": "expired"})]


def test_I1_I2_a_reservation_records_how_much_came_from_the_customers_holds() -> None:
    sku = committed(10, holds=[], orders=[])
    sku.place_hold("hold-a", "cust-1", 2, UNTIL)
    sku.place_hold("hold-b", "cust-1", 3, UNTIL)
    sku.collect_events()
    assert sku.reserve("order-1", "cust-1", 4) == (4, ["hold-a", "hold-b"])
    assert events(sku) == [
        ("Reserved", {"order_id": "order-1", "quantity": 4, "from_holds": 4, "holds": ["hold-a", "hold-b"]})
    ]
    assert (sku.held, sku.reserved, sku.available) == (0, 4, 6)


# --- the listing -----------------------------------------------------------------------------------
def test_I2_relisting_records_the_new_listing_once() -> None:
    sku = stocked(10)
    assert sku.relist("Steel ring", 450, "USD", 12, 5) is False
    assert events(sku) == []
    assert sku.relist("Gold ring", 900, "EUR", 6, 7) is True
    assert events(sku) == [
        (
            "Relisted",
            {
                "code": "RING-1",
                "name": "Gold ring",
                "unit_price_minor": 900,
                "currency": "EUR",
                "moq": 6,
                "weight_grams": 7,
            },
        )
    ]
    assert (sku.name, sku.unit_price_minor, sku.currency, sku.moq, sku.weight_grams) == ("Gold ring", 900, "EUR", 6, 7)
    assert sku.relist("Gold ring", 900, "EUR", 6, 7) is False
