"""What the other services report after payment and the order shows: the picking SLA breach that
inventory times (O6, I4), why shipping could not quote (S1), and refunds in any status (P6, T5)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from services.orders.adapters.outbound import translate
from services.orders.api import create_app
from services.orders.settings import OrdersSettings
from shared.events import payments as pay
from shared.events import shipping as ship
from shared.runtime.timers import timer_id
from tests.unit.messages import usd
from tests.unit.orders.scenario import T0, Scenario

H = timedelta(hours=1)


def test_O6_I4_a_picking_sla_breach_reported_by_inventory_is_shown_on_the_order() -> None:
    s = Scenario()
    late = s.place([("ODD-PRICE", 6)])
    on_time = s.place([("ODD-PRICE", 7)])
    s.pay(late, 2010)
    s.pay(on_time, 2345)
    s.at(10 * H)
    s.picking(late)
    s.picking(on_time, weight=40)

    s.at(48 * H)
    s.breach(late, confirmed_at=T0, due_at=T0 + 48 * H)
    s.breach(late, confirmed_at=T0, due_at=T0 + 48 * H)  # redelivered: recorded once
    s.breach(on_time, confirmed_at=T0, due_at=T0 + 48 * H)  # picking had finished: nothing to show
    assert s.order(late).sla_breached_at == T0 + 48 * H
    assert s.types(late)[-1] == "PickingSlaBreached" and s.types(late).count("PickingSlaBreached") == 1
    assert s.order(on_time).sla_breached_at is None
    assert [b["order_id"] for b in s.app.sla_breaches()] == [str(late)]
    with TestClient(create_app(s.runtime)) as client:
        shown = client.get(f"/orders/{late}", headers=s.headers()).json()
        ops = client.get("/admin/sla-breaches", headers=s.headers("ops", "ops-1")).json()
    assert (shown["status"], shown["picking_sla_breached_at"]) == ("Processing", "2026-03-04T09:00:00Z")
    assert ops == [{"order_id": str(late), "version": 4}]

    # One owner: orders neither times picking nor publishes the breach (inventory does).
    assert "picking_sla_hours" not in OrdersSettings.model_fields
    assert timer_id("picking-sla", str(late)) not in s.app.repository
    assert [out[0] for e in s.app.domain_events(late) if (out := translate(e))] == [
        "OrderPlaced",
        "OrderConfirmed",
        "OrderProcessingStarted",
    ]


def test_S1_a_refused_quote_is_shown_on_the_order_until_a_quote_comes() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 12)])
    s.pay(order_id, 5400)
    s.picking(order_id, weight=31_000)
    refused = ship.ShippingQuoteRefused(
        order_id=str(order_id),
        reason="31000 g is above DHL's heaviest band (30000 g)",
        problem="too_heavy",
        carrier="DHL",
        country="ES",
        weight_grams=31_000,
        tariff_version="2026-01",
        refused_at=s.at(2 * H),
    )
    s.feed(refused)
    s.feed(refused)  # redelivered: shown once
    problem = {
        "problem": "too_heavy",
        "reason": "31000 g is above DHL's heaviest band (30000 g)",
        "carrier": "DHL",
        "country": "ES",
        "at": "2026-03-02T11:00:00Z",
    }
    with TestClient(create_app(s.runtime)) as client:
        shown = client.get(f"/orders/{order_id}", headers=s.headers()).json()
        assert (shown["status"], shown["shipping_problem"], shown["shipping"]) == ("Processing", problem, {})
        assert s.types(order_id).count("ShippingQuoteRefused") == 1

        s.quote_shipping(order_id, 2350)  # e.g. after the account manager split the parcel
        quoted = client.get(f"/orders/{order_id}", headers=s.headers()).json()
    assert (quoted["status"], quoted["shipping_problem"]) == ("AwaitingShippingPayment", None)
    assert quoted["shipping"]["cost_minor"] == 2350


def test_P6_T5_a_refund_for_a_completed_order_is_recorded_on_its_refunded_figure() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 12)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 12, 12))
    s.pay(order_id, 5400)
    s.picking(order_id, weight=72)
    s.quote_shipping(order_id, 2350)
    s.pay(order_id, 2350, purpose="shipping")
    s.ship_and_deliver(order_id)
    s.feed(ship.ReceiptConfirmed(order_id=str(order_id), customer_id="cust-1", confirmed_at=s.clock.now()))
    assert s.order(order_id).status == "Completed"

    s.at(5 * 24 * H)
    reason = "ticket T-1: damaged (2 rings and their share of shipping)"
    s.feed(pay.RefundIssued(order_id=str(order_id), amount=usd(1292), reason=reason, issued_at=s.clock.now()))
    order = s.order(order_id)
    assert (order.status, order.refunded_minor, order.paid_minor) == ("Completed", 1292, 5400)
    assert s.types(order_id)[-1] == "RefundRecorded"
    with TestClient(create_app(s.runtime)) as client:
        shown = client.get(f"/orders/{order_id}", headers=s.headers()).json()
    assert (shown["status"], shown["refunded"]) == ("Completed", {"amount_minor": 1292, "currency": "USD"})
