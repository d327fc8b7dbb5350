"""O4, X1 (issue 12 item 12): an unpaid order expires when its payment window closes. The deadline
is a durable timer stored with the order; firing it on an order still awaiting payment ends it
(status Expired, OrderExpired published); a paid, cancelled or already expired order is untouched,
and a payment that arrives afterwards changes nothing here (payments owes it back)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.orders.api import create_app
from services.orders.application.expiry import PAYMENT_WINDOW
from services.orders.domain.errors import TransitionRefused
from shared.runtime.timers import Timer, timer_id
from tests.unit.orders.scenario import T0, Scenario
from tests.unit.orders.test_order_rules import outbound

H = timedelta(hours=1)


def test_O4_X1_an_order_unpaid_when_its_window_closes_expires_and_says_so() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 12)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 12, 12))
    timer: Timer = s.app.repository.get(timer_id(PAYMENT_WINDOW, str(order_id)))
    assert isinstance(timer, Timer)
    assert (timer.due_at, s.order(order_id).payment_due_at) == (T0 + 72 * H, T0 + 72 * H)

    s.at(72 * H + 5 * timedelta(seconds=1))
    assert s.fire(PAYMENT_WINDOW, str(order_id)) is True
    order = s.order(order_id)
    assert (order.status, order.expired_at) == ("Expired", T0 + 72 * H + 5 * timedelta(seconds=1))
    assert outbound(s, order_id)[-1] == (
        "OrderExpired",
        {
            "order_id": str(order_id),
            "customer_id": "cust-1",
            "total": {"amount_minor": 5400, "currency": "USD"},
            "reason": "not paid within 72 h of placing",
            "placed_at": "2026-03-02T09:00:00Z",
            "payment_due_at": "2026-03-05T09:00:00Z",
            "expired_at": "2026-03-05T09:00:05Z",
        },
    )
    assert s.fire(PAYMENT_WINDOW, str(order_id)) is False  # once

    # The order has ended: a late payment, a cancel, a change are refused; the terms say why.
    version = s.order(order_id).version
    s.pay(order_id, 5400)
    assert (s.order(order_id).status, s.order(order_id).paid_minor, s.order(order_id).version) == (
        "Expired",
        5400,  # recorded as arrived (payments gives it back in full: the order ended), status unchanged
        version + 1,
    )
    terms = s.app.cancellation_terms(order_id)
    assert (terms.cancellable, terms.reason) == (
        False,
        "the order expired unpaid: it has ended, there is nothing to cancel",
    )
    with pytest.raises(TransitionRefused) as cancel:
        s.app.cancel(order_id)
    with pytest.raises(TransitionRefused) as change:
        s.app.change_order(order_id, "am-1", "more rings", [("RING-STEEL-PEARL", 24)])
    assert (cancel.value.rule, change.value.rule) == ("O5", "O4")
    assert s.order(order_id).version == version + 1  # the refused cancel and change recorded nothing
    with TestClient(create_app(s.runtime)) as client:
        shown = client.get(f"/orders/{order_id}", headers=s.headers()).json()
    assert (shown["status"], shown["payment_due_at"], shown["expired_at"]) == (
        "Expired",
        "2026-03-05T09:00:00Z",
        "2026-03-05T09:00:05Z",
    )


def test_O4_a_paid_or_cancelled_order_does_not_expire() -> None:
    s = Scenario()
    paid = s.place([("ODD-PRICE", 6)])
    s.at(71 * H)
    s.pay(paid, 2010)
    cancelled = s.place([("ODD-PRICE", 6)])
    s.app.cancel(cancelled)
    s.at(200 * H)
    for order_id in (paid, cancelled):
        version = s.order(order_id).version
        assert s.fire(PAYMENT_WINDOW, str(order_id)) is True  # it fires, and changes nothing
        assert s.order(order_id).version == version
    assert (s.order(paid).status, s.order(cancelled).status) == ("Confirmed", "Cancelled")


def test_O4_the_payment_window_is_a_setting_and_an_order_keeps_the_one_it_was_placed_with() -> None:
    s = Scenario(payment_window_hours=24)
    order_id = s.place([("ODD-PRICE", 6)])
    assert s.order(order_id).payment_due_at == T0 + 24 * H
    s.at(24 * H)
    s.fire(PAYMENT_WINDOW, str(order_id))
    [(_, payload)] = [e for e in outbound(s, order_id) if e[0] == "OrderExpired"]
    assert (payload["reason"], payload["payment_due_at"]) == ("not paid within 24 h of placing", "2026-03-03T09:00:00Z")
