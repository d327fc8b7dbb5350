"""Issue 12, "done when": a day of mixed orders through orders and payments together (in memory, wired as
through Kafka) - cancellations free and with a fee, a capture racing a cancellation, fraud reviews
rejected and approved, changes down and up, transfers settled in parts and beyond the total, sample
orders, every method. At the end, for every order: what payments holds (captured, settled, debited,
less refunded) is what the order says is owed (its total, or its cancellation fee), orders' own paid
less refunded agrees, no refund is still owed, and no order waits for money it already has."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from services.orders.domain import status as st
from tests.unit.payments.bus import Bus
from tests.unit.payments.scenario import VISA

RING, NECK = "RING-STEEL-PEARL", "NECK-ZIRC-PEND"  # 450 (MOQ 12), 780 (MOQ 6)
SOURCE = {"card": VISA, "paypal": "payer-1"}
Step = Callable[[], None]


class Day:
    def __init__(self) -> None:
        self.bus = Bus(fraud_share=0.5)
        self.bus.payments.credit_deposit("cust-1", 500_000, "USD", "wire-morning")
        self.orders: dict[str, uuid.UUID] = {}
        self.keys = iter(range(1, 10_000))

    def place(self, name: str, method: str, lines: list[tuple[str, int]], held: bool = False, **kw: bool) -> None:
        self.bus.payments.rng = (lambda: 0.1) if held else (lambda: 0.9)  # the recorded draw, chosen here
        order_id = self.bus.orders.place(lines, payment_method=method, **kw)
        self.bus.orders.reserve(order_id, *[(sku, q, q) for sku, q in lines])
        self.orders[name] = order_id
        self.bus.pump()

    def pay(self, name: str, amount: int = 0, purpose: str = "goods", reference: str | None = None) -> None:
        order_id = str(self.orders[name])
        method = self.bus.payments.payment(order_id, purpose).method
        if method in SOURCE:
            self.bus.payments.capture(order_id, purpose, method, SOURCE[method], f"key-day-{next(self.keys):05d}")
        else:
            self.bus.payments.settle(order_id, amount, purpose, reference)
        self.bus.pump()

    def later(self, hours: float) -> None:
        self.bus.clock.at += timedelta(hours=hours)


def test_P6_O5_P5_O7_P2_a_day_of_mixed_orders_leaves_every_order_holding_what_it_says_it_is_owed() -> None:
    day = Day()
    bus = day.bus
    app = bus.orders.app
    day.place("free-cancel", "card", [(RING, 12)])
    day.place("race", "paypal", [(RING, 24)])
    day.place("fee-cancel", "card", [(RING, 12), (NECK, 6)])
    day.place("fee-cancel-deposit", "deposit", [(NECK, 10)])
    day.place("rejected", "card", [(RING, 12)], held=True)
    day.place("rejected-deposit", "deposit", [(RING, 14)], held=True)
    day.place("held-cancelled", "paypal", [(NECK, 6)], held=True)
    day.place("approved", "card", [(RING, 16)], held=True)
    day.place("down", "card", [(RING, 24)])
    day.place("up", "paypal", [(RING, 12)])
    day.place("down-up-transfer", "bank_transfer", [(RING, 24)])
    day.place("up-deposit", "deposit", [(RING, 12)])
    day.place("parts", "bank_transfer", [(NECK, 6)])
    day.place("beyond", "bank_transfer", [(RING, 12)])
    day.place("sample", "card", [(RING, 2), (NECK, 1)], sample=True)
    day.place("sample-deposit", "deposit", [(RING, 5)], sample=True)
    day.place("plain", "bank_transfer", [(NECK, 12)])

    app.cancel(day.orders["free-cancel"])
    bus.pump()
    app.cancel(day.orders["race"])  # orders knows of no payment; the capture is on its way
    day.pay("race")
    for name in ("fee-cancel", "rejected", "held-cancelled", "approved", "down", "up"):
        day.pay(name)
    day.pay("sample", purpose="sample_fee")
    day.pay("down-up-transfer", 10_800, reference="wire-1")
    day.pay("parts", 1000, reference="wire-2")
    day.pay("beyond", 6000, reference="wire-3")
    day.pay("plain", 9360)
    app.cancel(day.orders["held-cancelled"])
    bus.pump()
    for name, approve in (
        ("rejected", False),
        ("rejected-deposit", False),
        ("approved", True),
        ("held-cancelled", True),
    ):
        bus.payments.review(str(day.orders[name]), "ops-1", approve, "checked with the bank")
    bus.pump()
    day.later(7)  # past the free window: cancelling costs 15 %
    for name in ("fee-cancel", "fee-cancel-deposit"):
        app.cancel(day.orders[name])
    app.change_order(day.orders["down"], "am-1", "half", [(RING, 12)])
    app.change_order(day.orders["up"], "am-1", "four times", [(RING, 48)])
    app.change_order(day.orders["down-up-transfer"], "am-1", "half", [(RING, 12)])
    app.change_order(day.orders["down-up-transfer"], "am-1", "more after all", [(RING, 30)])
    app.change_order(day.orders["up-deposit"], "am-1", "double", [(RING, 24)])
    bus.pump()
    day.pay("up")
    day.pay("down-up-transfer", 8100, reference="wire-4")
    day.pay("parts", 3680, reference="wire-5")
    bus.pump()

    expected = {
        "free-cancel": (st.CANCELLED, 0),
        "race": (st.CANCELLED, 0),
        "fee-cancel": (st.CANCELLED, 1512),  # 15 % of 10,080
        "fee-cancel-deposit": (st.CANCELLED, 1170),  # 15 % of 7,800
        "rejected": (st.CANCELLED, 0),
        "rejected-deposit": (st.CANCELLED, 0),
        "held-cancelled": (st.CANCELLED, 0),
        "approved": (st.CONFIRMED, 7200),
        "down": (st.CONFIRMED, 5400),
        "up": (st.CONFIRMED, 21_600),
        "down-up-transfer": (st.CONFIRMED, 13_500),
        "up-deposit": (st.CONFIRMED, 10_800),
        "parts": (st.CONFIRMED, 4680),
        "beyond": (st.CONFIRMED, 5400),
        "sample": (st.CONFIRMED, 900),
        "sample-deposit": (st.CONFIRMED, 1500),
        "plain": (st.CONFIRMED, 9360),
    }
    seen = {}
    for name, order_id in day.orders.items():
        order = bus.order(order_id)
        owed = order.cancellation.fee_minor if order.status == st.CANCELLED else order.total_minor
        seen[name] = (order.status, owed)
        assert bus.money_in(order_id) == owed, name  # what payments holds is what the order says it is owed
        assert order.paid_minor - order.refunded_minor == owed, name  # and orders' own figures agree
        assert bus.owed_back(order_id) == 0, name  # no refund left owed
    assert seen == expected
