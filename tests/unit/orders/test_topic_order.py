"""Orders reads inventory.events, payments.events and shipping.events on independent consumers, so an
effect can arrive before the event that allowed it: shipping dispatches a paid parcel (S2) and quotes
prepared goods (S1), but orders may see the dispatch before the shipping payment, or the quote before
picking started. Such a message is not dropped: the consumer keeps its batch unacknowledged and applies
it once the earlier event is in (NotYet), and dead-letters it only if the wait outlasts its limit."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from shared.events import shipping as ship
from shared.runtime.store import NotYet
from tests.unit.messages import incoming
from tests.unit.orders.scenario import Scenario

H = timedelta(hours=1)


def dispatched(s: Scenario, order_id: uuid.UUID, nid: int) -> object:
    parcel = ship.ParcelDispatched(
        order_id=str(order_id), carrier="DHL", tracking_number="JD0146", dispatched_at=s.clock.now()
    )
    return incoming("ParcelDispatched", parcel, nid, s.clock.now())


def quoted_order(s: Scenario) -> uuid.UUID:
    order_id = s.place([("ODD-PRICE", 6)])
    s.pay(order_id, 2010)
    s.at(10 * H)
    s.picking(order_id, weight=30)
    s.quote_shipping(order_id, 1200)
    assert s.order(order_id).status == "AwaitingShippingPayment"
    return order_id


def test_S2_a_dispatch_seen_before_the_shipping_payment_waits_for_it_and_then_applies() -> None:
    s = Scenario()
    order_id = quoted_order(s)
    early = dispatched(s, order_id, 9001)
    with pytest.raises(NotYet):
        s.runtime.consumer.apply_batch([early])  # type: ignore[list-item]
    assert s.order(order_id).status == "AwaitingShippingPayment"
    assert s.app.recorder.max_tracking_id("shipping.events:0") != 9001  # not acknowledged as applied

    s.pay(order_id, 1200, purpose="shipping")  # payments.events catches up
    result = s.runtime.consumer.apply_batch([early])  # type: ignore[list-item]
    assert (result.applied, result.dead) == (1, [])
    assert s.order(order_id).status == "Shipped"
    assert s.types(order_id)[-2:] == ["ShippingPaid", "Dispatched"]


def test_S1_a_quote_seen_before_picking_started_waits_for_it_and_then_applies() -> None:
    s = Scenario()
    order_id = s.place([("ODD-PRICE", 6)])
    s.pay(order_id, 2010)
    with pytest.raises(NotYet):
        s.quote_shipping(order_id, 1200)
    assert s.order(order_id).status == "Confirmed"
    s.picking(order_id, weight=30)
    s.quote_shipping(order_id, 1200)
    assert (s.order(order_id).status, s.order(order_id).shipping.cost_minor) == ("AwaitingShippingPayment", 1200)


def test_S2_a_dispatch_whose_payment_never_comes_is_dead_lettered_after_the_wait_limit() -> None:
    s = Scenario()
    order_id = quoted_order(s)
    s.runtime.consumer.not_yet_seconds = 0.3
    sent: list[str] = []

    async def dead_letter(message: object, error: str) -> None:
        sent.append(error)

    s.runtime.consumer.dead_letters.send = dead_letter  # type: ignore[method-assign]
    result = asyncio.run(s.runtime.consumer.handle([dispatched(s, order_id, 9002)]))  # type: ignore[list-item]
    assert (result.applied, len(result.dead)) == (0, 1)
    assert sent == [f"NotYet: order {order_id}: dispatched before orders has seen the shipping payment"]
    assert s.order(order_id).status == "AwaitingShippingPayment"


def test_S2_a_dispatch_of_a_cancelled_order_is_still_refused_not_waited_for() -> None:
    s = Scenario()
    order_id = s.place([("ODD-PRICE", 6)])
    s.app.cancel(order_id)
    result = s.runtime.consumer.apply_batch([dispatched(s, order_id, 9003)])  # type: ignore[list-item]
    assert (result.applied, result.dead) == (1, [])  # refused by the rules, logged, nothing recorded
    assert s.order(order_id).status == "Cancelled"
