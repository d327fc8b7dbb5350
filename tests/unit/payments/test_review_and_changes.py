"""Issue 12, items 3 and 4, with orders and payments running together (in memory, wired as through
Kafka). The fraud check (P5) has an end in orders: the order shows it is held for review; rejection
cancels it and gives back what was paid in full; cancelling while held voids the held capture, and an
approval after that takes nothing; deposit orders are sampled too. An account manager's change (O7)
reaches payments: a decrease refunds the difference to the original method (P6), an increase asks for
the difference and the order is not Confirmed until it is paid; changes obey the MOQ (O2)."""

from __future__ import annotations

import uuid

import pytest

from services.orders.domain.errors import BelowMinimumOrderQuantity
from tests.unit.payments.bus import Bus
from tests.unit.payments.scenario import VISA

RING = "RING-STEEL-PEARL"  # 450 a piece, MOQ 12
SOURCE = {"card": VISA, "paypal": "payer-1"}


def placed(bus: Bus, method: str, rings: int = 12) -> uuid.UUID:
    order_id = bus.orders.place([(RING, rings)], payment_method=method)
    bus.orders.reserve(order_id, (RING, rings, rings))
    bus.pump()
    return order_id


def pay(bus: Bus, order_id: uuid.UUID, method: str, amount: int, key: str) -> None:
    """The customer pays what is asked: a capture, or a transfer of `amount` (a deposit is debited by itself)."""
    if method in SOURCE:
        bus.payments.capture(str(order_id), "goods", method, SOURCE[method], key)
    elif method == "bank_transfer":
        bus.payments.settle(str(order_id), amount, reference=key)
    bus.pump()


def state(bus: Bus, order_id: uuid.UUID) -> tuple[str, int, int, int, int]:
    """(status, total, paid, refunded) on the order, and what payments holds for it."""
    order = bus.order(order_id)
    return order.status, order.total_minor, order.paid_minor, order.refunded_minor, bus.money_in(order_id)


@pytest.mark.parametrize("method", ["card", "paypal", "bank_transfer", "deposit"])
def test_P5_a_held_order_shows_it_and_a_rejection_cancels_it_and_gives_everything_back(method: str) -> None:
    bus = Bus(fraud_share=1.0)
    bus.payments.credit_deposit("cust-1", 6000, "USD", "wire-1")
    order_id = placed(bus, method)
    pay(bus, order_id, method, 5400, "key-held-0001")
    assert state(bus, order_id) == ("HeldForReview", 5400, 5400, 0, 5400)  # paid, not confirmed
    assert [c.order_id for c in bus.payments.held_for_review()] == [str(order_id)]
    bus.payments.review(str(order_id), "ops-1", approve=False, note="card reported stolen")
    bus.pump()
    assert state(bus, order_id) == ("Cancelled", 5400, 5400, 5400, 0)
    assert bus.order(order_id).cancellation.reason == "rejected on review (P5): card reported stolen"
    assert bus.payments.held_for_review() == []


@pytest.mark.parametrize("method", ["card", "paypal", "deposit"])
def test_P5_O5_cancelling_while_held_voids_the_held_money_and_a_later_approval_takes_nothing(method: str) -> None:
    bus = Bus(fraud_share=1.0)
    bus.payments.credit_deposit("cust-1", 6000, "USD", "wire-1")
    order_id = placed(bus, method)
    pay(bus, order_id, method, 5400, "key-held-0002")
    terms = bus.orders.app.cancel(order_id)
    assert (terms.status, terms.fee_minor, terms.refund_minor) == ("HeldForReview", 0, 5400)
    bus.pump()
    assert state(bus, order_id) == ("Cancelled", 5400, 5400, 5400, 0)
    assert bus.payments.held_for_review() == []  # nothing left for ops to decide
    bus.payments.review(str(order_id), "ops-1", approve=True, note="holder confirmed by phone")
    bus.pump()
    assert state(bus, order_id) == ("Cancelled", 5400, 5400, 5400, 0)


def test_P5_an_approved_order_confirms_when_its_money_came_before_or_after_the_approval() -> None:
    bus = Bus(fraud_share=1.0)
    before, after = placed(bus, "card"), placed(bus, "card")
    pay(bus, before, "card", 5400, "key-before-001")
    for order_id in (before, after):
        bus.payments.review(str(order_id), "ops-1", approve=True, note="fine")
    bus.pump()
    assert [bus.order(o).status for o in (before, after)] == ["Confirmed", "PendingPayment"]
    pay(bus, after, "card", 5400, "key-after-0001")
    assert [state(bus, o) for o in (before, after)] == [("Confirmed", 5400, 5400, 0, 5400)] * 2


def test_P5_P3_deposit_orders_are_drawn_for_the_fraud_check_too() -> None:
    bus = Bus(fraud_share=1.0)
    bus.payments.credit_deposit("cust-1", 6000, "USD", "wire-1")
    order_id = placed(bus, "deposit")
    check = bus.payments.fraud_check(str(order_id))
    assert check is not None and check.held
    assert state(bus, order_id) == ("HeldForReview", 5400, 5400, 0, 5400)  # debited, held: not confirmed
    bus.payments.review(str(order_id), "ops-1", approve=True, note="regular customer")
    bus.pump()
    assert state(bus, order_id) == ("Confirmed", 5400, 5400, 0, 5400)


@pytest.mark.parametrize("method", ["card", "paypal", "bank_transfer", "deposit"])
def test_O7_P6_a_decrease_refunds_the_difference_to_the_original_method(method: str) -> None:
    """24 -> 12 rings on a paid order: 10,800 paid, 5,400 back to where it came from, 5,400 kept."""
    bus = Bus()
    bus.payments.credit_deposit("cust-1", 20_000, "USD", "wire-1")
    order_id = placed(bus, method, rings=24)
    pay(bus, order_id, method, 10_800, "key-decrease-1")
    assert state(bus, order_id) == ("Confirmed", 10_800, 10_800, 0, 10_800)
    bus.orders.app.change_order(order_id, "am-1", "the customer wants half", [(RING, 12)])
    bus.pump()
    assert state(bus, order_id) == ("Confirmed", 5400, 10_800, 5400, 5400)


@pytest.mark.parametrize("method", ["card", "paypal", "bank_transfer", "deposit"])
def test_O7_an_increase_asks_for_the_difference_and_the_order_confirms_once_it_is_paid(method: str) -> None:
    """12 -> 48 rings on a paid order: 16,200 more is asked; the order is PendingPayment until it is paid
    (a deposit that covers it is debited at once)."""
    bus = Bus()
    bus.payments.credit_deposit("cust-1", 30_000, "USD", "wire-1")
    order_id = placed(bus, method)
    pay(bus, order_id, method, 5400, "key-increase-1")
    bus.orders.app.change_order(order_id, "am-1", "the customer wants more", [(RING, 48)])
    bus.pump()
    if method != "deposit":
        assert state(bus, order_id) == ("PendingPayment", 21_600, 5400, 0, 5400)
        payment = bus.payments.payment(str(order_id), "goods")
        assert (payment.amount_minor, payment.amount_minor - payment.covered_minor) == (21_600, 16_200)
        pay(bus, order_id, method, 16_200, "key-increase-2")
    assert state(bus, order_id) == ("Confirmed", 21_600, 21_600, 0, 21_600)
    assert bus.order(order_id).policy_version == "2026-01"


def test_O7_a_decrease_then_an_increase_asks_only_for_what_was_not_paid() -> None:
    """24 -> 12 (5,400 back) -> 48: 16,200 more is charged, never the 27,000 the order once was plus more."""
    bus = Bus()
    order_id = placed(bus, "card", rings=24)
    pay(bus, order_id, "card", 10_800, "key-down-up-01")
    bus.orders.app.change_order(order_id, "am-1", "half", [(RING, 12)])
    bus.orders.app.change_order(order_id, "am-1", "four times", [(RING, 48)])
    bus.pump()
    pay(bus, order_id, "card", 16_200, "key-down-up-02")
    assert [c.amount_minor for c in bus.payments.payment(str(order_id), "goods").captures] == [10_800, 16_200]
    assert state(bus, order_id) == ("Confirmed", 21_600, 27_000, 5400, 21_600)


def test_O7_O2_a_change_below_a_products_moq_is_refused_like_checkout() -> None:
    bus = Bus()
    order_id = placed(bus, "card")
    with pytest.raises(BelowMinimumOrderQuantity) as info:
        bus.orders.app.change_order(order_id, "am-1", "just a few", [(RING, 11)])
    assert str(info.value) == "RING-STEEL-PEARL: the minimum order quantity is 12, asked for 11"
    assert (info.value.field, info.value.rule) == ("lines.0.quantity", "O2")
    assert bus.order(order_id).changes == []
