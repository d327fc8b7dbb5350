"""The facts tickets are judged on, built from other services' events: lines after changes, weights
that change, a receipt confirmed once; redelivered messages change nothing."""

from __future__ import annotations

from services.tickets.application.policies import POLICIES, TIMERS, TicketsPort
from shared.events import inventory as inv
from shared.events import orders as ords
from shared.events import shipping as ship
from tests.unit.messages import incoming, usd
from tests.unit.tickets.scenario import PENDANT, RING, Scenario


def test_the_application_provides_what_the_policies_need() -> None:
    port: TicketsPort = Scenario().app  # checked by mypy against the Protocol
    assert port.clock is not None
    assert set(POLICIES) == {
        "OrderPlaced",
        "OrderChanged",
        "OrderItemsReduced",
        "ShippingQuoted",
        "ParcelDelivered",
        "ReceiptConfirmed",
        "SkuCatalogued",
        "RefundIssued",
        "RefundRefused",
        "CustomerForgotten",
    }
    assert set(TIMERS) == {"ticket-reply-sla", "ticket-auto-close"}


def test_an_account_managers_change_replaces_the_lines_a_claim_is_checked_against() -> None:
    s = Scenario()
    order_id = s.place()
    changed = ords.OrderChanged(
        order_id=order_id,
        customer_id="cust-1",
        actor="am-1",
        reason="customer phoned",
        lines=[ords.OrderLine(sku=PENDANT, quantity=10, unit_price=usd(700))],
        new_total=usd(7000),
        changed_at=s.clock.now(),
    )
    s.feed("OrderChanged", changed)
    record = s.app.known_order_record(order_id)
    assert record is not None
    assert record.lines == {PENDANT: {"quantity": 10, "unit_price_minor": 700}}
    assert record.goods_total_minor() == 7000


def test_a_reweighed_sku_changes_the_weight_used_for_shipping_shares() -> None:
    s = Scenario()
    s.feed("SkuCatalogued", inv.SkuCatalogued(sku=RING, name="Ring", unit_price=usd(450), moq=12, weight_grams=9))
    s.feed("SkuCatalogued", inv.SkuCatalogued(sku=RING, name="Ring", unit_price=usd(460), moq=12, weight_grams=9))
    weight = s.app.sku_weight(RING)
    assert weight is not None
    assert (weight.weight_grams, weight.version) == (9, 2)  # listed, reweighed once; a price change is no event


def test_a_redelivered_receipt_changes_nothing() -> None:
    s = Scenario()
    order_id = s.received()
    before = s.app.max_notification_id()
    # the same message again (Kafka redelivery): the tracked consumer drops it
    receipt = ship.ReceiptConfirmed(order_id=order_id, customer_id="cust-1", confirmed_at=s.clock.now())
    result = s.runtime.consumer.apply_batch([incoming("ReceiptConfirmed", receipt, 1, s.clock.now())])
    assert (result.applied, result.duplicates) == (0, 1)
    # a second, different confirmation of the same order: the first instant stands
    s.confirm_receipt(order_id)
    assert s.app.max_notification_id() == before
