"""The orders rules O1-O7 and I3 by id, with exact figures, on in-memory storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.orders.adapters.outbound import translate
from services.orders.domain import cancellation
from services.orders.domain.cart import ItemNotInCart
from services.orders.domain.errors import BelowMinimumOrderQuantity, EmptyCart, TransitionRefused
from services.orders.domain.values import OrderChange, PaymentFailure
from shared.events import payments as pay
from shared.events import shipping as ship
from tests.unit.orders.scenario import ADDRESS, BILLING, DETAILS, T0, Scenario

H = timedelta(hours=1)
S = timedelta(seconds=1)


def outbound(s: Scenario, order_id) -> list[tuple[str, dict]]:
    published = []
    for domain_event in s.app.domain_events(order_id):
        out = translate(domain_event)
        if out:
            published.append((out[0], out[1].model_dump(mode="json")))
    return published


def test_O1_cart_add_change_remove_then_checkout_with_different_addresses() -> None:
    s = Scenario()
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 10)
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 4)
    s.app.add_to_cart("cust-1", "NECK-ZIRC-PEND", 6)
    s.app.change_cart_quantity("cust-1", "NECK-ZIRC-PEND", 8)
    s.app.add_to_cart("cust-1", "ODD-PRICE", 1)
    s.app.remove_from_cart("cust-1", "ODD-PRICE")
    assert s.app.cart("cust-1").items == {"RING-STEEL-PEARL": 14, "NECK-ZIRC-PEND": 8}
    with pytest.raises(ItemNotInCart):
        s.app.remove_from_cart("cust-1", "ODD-PRICE")

    order_id = s.app.checkout("cust-1", DETAILS, idempotency_key="chk-1")
    order = s.order(order_id)
    assert (order.status, order.total_minor) == ("PendingPayment", 14 * 450 + 8 * 780)
    assert (order.shipping_address, order.billing_address) == (ADDRESS, BILLING)
    assert s.app.cart("cust-1").items == {}
    assert s.app.checkout("cust-1", DETAILS, idempotency_key="chk-1") == order_id  # a retry, not a twin
    assert [o.id for o in s.app.orders_of(["cust-1"])] == [order_id]


def test_O1_checkout_of_an_empty_cart_is_refused() -> None:
    s = Scenario()
    with pytest.raises(EmptyCart) as info:
        s.app.checkout("cust-1", DETAILS)
    assert (info.value.field, info.value.rule) == ("items", "O1")


def test_O2_line_below_moq_is_refused_naming_product_moq_and_quantity() -> None:
    s = Scenario()
    before = s.app.max_notification_id()
    with pytest.raises(BelowMinimumOrderQuantity) as info:
        s.place([("NECK-ZIRC-PEND", 6), ("RING-STEEL-PEARL", 6)])
    assert str(info.value) == "RING-STEEL-PEARL: the minimum order quantity is 12, asked for 6"
    assert (info.value.field, info.value.rule) == ("lines.1.quantity", "O2")
    assert s.app.max_notification_id() == before


def test_O3_sample_order_takes_any_quantity_and_pays_the_fee_per_item() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 2), ("NECK-ZIRC-PEND", 1)], sample=True)
    order = s.order(order_id)
    assert (order.sample, order.total_minor) == (True, 3 * 300)
    event_type, payload = outbound(s, order_id)[0]
    assert event_type == "OrderPlaced"
    assert payload["sample_fee"] == {"amount_minor": 300, "currency": "USD"}
    assert payload["total"] == {"amount_minor": 900, "currency": "USD"}


def test_O4_status_follows_the_lifecycle_from_events_of_the_other_services() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 12)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 12, 12))
    statuses = [s.order(order_id).status]
    s.pay(order_id, 5400)
    statuses.append(s.order(order_id).status)
    s.picking(order_id, weight=72)
    statuses.append(s.order(order_id).status)
    s.quote_shipping(order_id, 2350)
    statuses.append(s.order(order_id).status)
    s.pay(order_id, 2350, purpose="shipping")
    s.ship_and_deliver(order_id)
    statuses.append(s.order(order_id).status)
    from shared.events.shipping import ReceiptConfirmed

    s.feed(ReceiptConfirmed(order_id=str(order_id), customer_id="cust-1", confirmed_at=s.clock.now()))
    statuses.append(s.order(order_id).status)
    assert statuses == [
        "PendingPayment",
        "Confirmed",
        "Processing",
        "AwaitingShippingPayment",
        "Delivered",
        "Completed",
    ]
    assert s.types(order_id) == [
        "Placed",
        "StockReservationRecorded",
        "Confirmed",
        "ProcessingStarted",
        "PickingFinished",
        "ShippingQuoted",
        "ShippingPaid",
        "Dispatched",
        "Delivered",
        "Completed",
    ]
    assert [t for t, _ in outbound(s, order_id)] == [
        "OrderPlaced",
        "OrderConfirmed",
        "OrderProcessingStarted",
        "OrderCompleted",
    ]


def test_O4_a_forbidden_transition_is_refused_and_recorded_nowhere() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 12)])
    s.pay(order_id, 5400)
    version = s.order(order_id).version
    delivered = ship.ParcelDelivered(order_id=str(order_id), signed_by="A. Ruiz", delivered_at=s.clock.now())
    result = s.feed(delivered)  # delivered before it was shipped: not allowed
    assert (result.applied, result.dead) == (1, [])  # tracked (not redone), but changes nothing
    assert s.order(order_id).version == version
    result = s.pay(order_id, 5400)  # a second capture does not confirm twice: recorded, its money owed back
    assert s.types(order_id)[version:] == ["PaymentReceived", "OverpaymentRecorded"]
    assert (s.order(order_id).status, s.order(order_id).paid_net_minor) == ("Confirmed", 5400)
    with pytest.raises(TransitionRefused) as info:
        s.order(order_id).dispatch("DHL", "X", s.clock.now())
    assert (info.value.field, info.value.rule) == ("status", "O4")


def confirmed(s: Scenario, lines: list[tuple[str, int]], total: int):
    order_id = s.place(lines)
    s.pay(order_id, total)
    return order_id


@pytest.mark.parametrize(
    ("elapsed", "cancellable", "fee"),
    [
        (5 * H + 59 * 60 * S + 59 * S, True, 0),
        (6 * H, True, 302),
        (71 * H + 59 * 60 * S + 59 * S, True, 302),
        (72 * H, False, 0),
    ],
    ids=["5h59m59s-free", "6h00m00s-charged", "71h59m59s-charged", "72h00m00s-refused"],
)
def test_O5_fee_is_15_percent_between_6_and_72h_rounded_half_up(elapsed, cancellable, fee) -> None:
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)  # 15 % of 2010 = 301.5 -> 302
    terms = s.app.cancellation_terms(order_id, T0 + elapsed)
    assert (terms.status, terms.cancellable, terms.fee_minor) == ("Confirmed", cancellable, fee)
    assert terms.refund_minor == (2010 - fee if cancellable else 0)
    assert terms.policy_version == "2026-01"


def test_O5_pending_payment_cancels_free_and_publishes_the_cancellation() -> None:
    s = Scenario()
    order_id = s.place([("ODD-PRICE", 6)])
    s.at(100 * H)
    terms = s.app.cancel(order_id)
    assert (terms.cancellable, terms.fee_minor, terms.refund_minor) == (True, 0, 0)
    assert s.order(order_id).status == "Cancelled"
    assert outbound(s, order_id)[-1] == (
        "OrderCancelled",
        {
            "order_id": str(order_id),
            "customer_id": "cust-1",
            "fee": {"amount_minor": 0, "currency": "USD"},
            "refund": {"amount_minor": 0, "currency": "USD"},
            "reason": "not paid yet: cancelling is free",
            "cancelled_at": "2026-03-06T13:00:00Z",
            "policy_version": "2026-01",
        },
    )


def test_O5_cancel_between_6_and_72h_refunds_paid_minus_fee_to_payments() -> None:
    s = Scenario()
    order_id = confirmed(s, [("RING-STEEL-PEARL", 12), ("NECK-ZIRC-PEND", 6)], 10080)
    s.at(30 * H)
    terms = s.app.cancel(order_id)
    assert (terms.fee_minor, terms.refund_minor) == (1512, 8568)
    event_type, payload = outbound(s, order_id)[-1]
    assert (event_type, payload["fee"]["amount_minor"], payload["refund"]["amount_minor"]) == (
        "OrderCancelled",
        1512,
        8568,
    )
    with pytest.raises(TransitionRefused):
        s.app.cancel(order_id)


def test_O5_I3_fee_is_on_the_total_after_a_shortfall() -> None:
    s = Scenario()
    order_id = confirmed(s, [("RING-STEEL-PEARL", 20)], 9000)
    s.at(10 * H)
    s.shortfall(order_id, ("RING-STEEL-PEARL", 20, 8))  # 12 remain: 5400
    order = s.order(order_id)
    assert (order.total_minor, order.refund_due_minor) == (5400, 3600)
    terms = s.app.cancellation_terms(order_id, T0 + 11 * H)
    assert (terms.fee_minor, terms.refund_minor) == (810, 5400 - 810)


def test_I3_shortfall_reduces_lines_and_total_and_asks_for_the_shortage_refund() -> None:
    s = Scenario()
    order_id = confirmed(s, [("RING-STEEL-PEARL", 20), ("NECK-ZIRC-PEND", 6)], 9000 + 4680)
    s.shortfall(order_id, ("RING-STEEL-PEARL", 20, 5))
    assert [(line.sku, line.quantity) for line in s.order(order_id).lines] == [
        ("RING-STEEL-PEARL", 15),
        ("NECK-ZIRC-PEND", 6),
    ]
    event_type, payload = outbound(s, order_id)[-1]
    assert event_type == "OrderItemsReduced"
    assert payload["lines"] == [{"sku": "RING-STEEL-PEARL", "quantity_before": 20, "quantity_after": 15}]
    assert (
        payload["previous_total"]["amount_minor"],
        payload["new_total"]["amount_minor"],
        payload["refund"]["amount_minor"],
    ) == (13680, 11430, 2250)


def test_O5_cancel_is_refused_after_72h_and_after_shipping_is_quoted() -> None:
    s = Scenario()
    late = confirmed(s, [("ODD-PRICE", 6)], 2010)
    s.at(72 * H)
    with pytest.raises(TransitionRefused) as info:
        s.app.cancel(late)
    assert str(info.value) == "72 h or more after placing: the package is ready to ship"
    quoted = confirmed(s, [("ODD-PRICE", 6)], 2010)
    s.picking(quoted, weight=30)
    s.quote_shipping(quoted, 1200)
    terms = s.app.cancellation_terms(quoted)
    assert (terms.status, terms.cancellable) == ("AwaitingShippingPayment", False)
    with pytest.raises(TransitionRefused):
        s.app.cancel(quoted)
    assert s.order(quoted).status == "AwaitingShippingPayment"


def test_O5_terms_at_a_past_instant_use_the_history_as_it_was_then() -> None:
    s = Scenario()
    order_id = s.place([("ODD-PRICE", 6)])
    s.at(1 * H)
    s.pay(order_id, 2010)
    s.at(80 * H)
    before_payment = s.app.cancellation_terms(order_id, T0 + 30 * 60 * S)
    assert (before_payment.status, before_payment.fee_minor, before_payment.cancellable) == ("PendingPayment", 0, True)
    assert s.app.cancellation_terms(order_id, T0 + 7 * H).fee_minor == 302
    assert s.app.cancellation_terms(order_id, T0 - 1 * H).reason == "the order had not been placed at that instant"
    assert s.app.order_as_of(order_id, T0 + 30 * 60 * S).status == "PendingPayment"
    assert s.app.order_as_of(order_id, T0 + 2 * H).status == "Confirmed"


def test_O6_confirmation_email_says_a_new_order_was_set_up() -> None:
    import email
    from email.message import EmailMessage
    from email.policy import default

    from services.orders.adapters.mail import confirmation_message

    s = Scenario()
    order_id = confirmed(s, [("RING-STEEL-PEARL", 12)], 5400)
    mail = confirmation_message(s.order(order_id), "orders@hallmark.example")
    message = email.message_from_bytes(mail.as_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == f"You have set up a new order ({str(order_id)[:8]})"
    assert message["Message-ID"] == f"<order-confirmed.{order_id}@hallmark>"
    body = message.get_content()
    assert "you have set up a new order" in body and "54.00 USD" in body and "Carrier: DHL" in body


def test_O7_account_manager_change_is_audited_and_refused_after_shipping_quote() -> None:
    s = Scenario()
    order_id = confirmed(s, [("RING-STEEL-PEARL", 12)], 5400)
    s.at(2 * H)
    order = s.app.change_order(order_id, "am-7", "customer asked for 24 rings", [("RING-STEEL-PEARL", 24)])
    assert order.total_minor == 10800
    assert replace(order.changes[0], lines_before=()) == OrderChange(
        actor="am-7",
        reason="customer asked for 24 rings",
        at=T0 + 2 * H,
        lines_before=(),
    )
    event_type, payload = outbound(s, order_id)[-1]
    assert (event_type, payload["actor"], payload["new_total"]["amount_minor"]) == ("OrderChanged", "am-7", 10800)
    s.picking(order_id, weight=150)
    s.quote_shipping(order_id, 2000)
    with pytest.raises(TransitionRefused):
        s.app.change_order(order_id, "am-7", "too late", [("RING-STEEL-PEARL", 12)])


def test_O5_O7_terms_follow_changes_and_a_snapshot_replays_like_the_full_history() -> None:
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)
    for i in range(120):  # past the snapshot interval (100)
        s.app.change_order(order_id, "am-1", f"change {i}", [("ODD-PRICE", 6 + i % 2)])
    assert s.app.snapshots is not None and list(s.app.snapshots.get(order_id))
    live = s.order(order_id)  # from the snapshot at version 100 plus the later events
    replayed = s.app.order_as_of(order_id, s.clock.now())  # every event from the start
    assert (live.version, live.total_minor, live.lines) == (122, 7 * 335, replayed.lines)
    assert (live.status, replayed.status) == ("PendingPayment", "PendingPayment")  # raised: 335 to pay (O7)
    s.pay(order_id, 335)
    assert s.app.cancellation_terms(order_id, T0 + 10 * H).fee_minor == 352  # 15 % of 2345 = 351.75


def test_O5_terms_and_as_of_from_snapshots_equal_the_pure_quote_over_the_whole_history() -> None:
    """The past is read from the newest snapshot before the instant plus the later events; the
    figures must be exactly those of the pure policy function over every event."""
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)
    for i in range(250):  # snapshots at versions 100 and 200, one change per minute from +6 h
        s.at(6 * H + i * 60 * S)
        s.app.change_order(order_id, "am-1", f"change {i}", [("ODD-PRICE", 6 + i % 3)])
    assert [snap.originator_version for snap in s.app.snapshots.get(order_id)] == [100, 200]  # type: ignore[union-attr]
    history = s.app.domain_events(order_id)
    for instant in [
        T0,
        T0 + 6 * H + 30 * S,
        T0 + 6 * H + 97 * 60 * S,
        T0 + 6 * H + 98 * 60 * S,
        T0 + 6 * H + 197 * 60 * S,
        T0 + 80 * H,
    ]:
        expected = cancellation.quote(history, instant, current=s.app.policy_version)
        assert s.app.cancellation_terms(order_id, instant) == expected
        replayed = cancellation.replay_until(history, instant)
        as_of = s.app.order_as_of(order_id, instant)
        assert (as_of.version, as_of.lines, as_of.total_minor) == (
            replayed.version,
            replayed.lines,
            replayed.total_minor,
        )
    # exact figures at two instants: 97 changes made (i = 0..96), the last set 6 + 96 % 3 = 6 rings, as
    # paid; one more set 7 rings, 335 more than was paid: not confirmed until it is paid (O7), free to cancel
    at = s.app.cancellation_terms(order_id, T0 + 6 * H + 96 * 60 * S)
    assert (at.fee_minor, at.refund_minor, at.status) == (302, 2010 - 302, "Confirmed")  # 15 % of 2010 = 301.5
    at = s.app.cancellation_terms(order_id, T0 + 6 * H + 97 * 60 * S)
    assert (at.fee_minor, at.refund_minor, at.status) == (0, 2010, "PendingPayment")


def test_O1_a_resellers_cart_records_every_order_and_is_snapshotted_as_it_grows() -> None:
    s = Scenario()
    placed = [str(s.app.place_order("cust-9", [("ODD-PRICE", 1)])) for _ in range(130)]
    cart = s.app.cart("cust-9")
    assert s.app.snapshots is not None
    assert [snap.originator_version for snap in s.app.snapshots.get(cart.id)] == [100]
    assert (cart.version, cart.orders) == (131, placed)
    assert [str(o.id) for o in s.app.orders_of(["cust-9"])] == placed[::-1]  # newest first


def test_O1_order_lists_come_in_pages_newest_first_across_an_account_managers_customers() -> None:
    s = Scenario()
    placed = []
    for minute in range(9):  # three customers, interleaved in time
        s.at(timedelta(minutes=minute))
        placed.append(str(s.app.place_order(f"cust-{minute % 3}", [("ODD-PRICE", 1)])))
    newest = placed[::-1]
    everyone = ["cust-0", "cust-1", "cust-2"]
    assert [str(o.id) for o in s.app.orders_of(everyone, limit=4)] == newest[:4]
    assert [str(o.id) for o in s.app.orders_of(everyone, limit=4, offset=4)] == newest[4:8]
    assert [str(o.id) for o in s.app.orders_of(everyone, limit=4, offset=8)] == newest[8:]
    assert [str(o.id) for o in s.app.orders_of(["cust-1"], limit=2)] == [placed[7], placed[4]]


def test_O4_P3_a_failed_payment_is_shown_on_the_pending_order_and_changes_no_status() -> None:
    s = Scenario()
    order_id = s.place([("ODD-PRICE", 6)], payment_method="deposit")
    s.reserve(order_id, ("ODD-PRICE", 6, 6))
    failed = pay.PaymentFailed(
        order_id=str(order_id),
        purpose="goods",
        reason="the deposit balance of 6.00 USD does not cover 20.10 USD",
        failed_at=s.clock.now(),
    )
    s.feed(failed)
    s.feed(failed)  # the same failure again (a republish with a new id): recorded once
    order = s.order(order_id)
    assert (order.status, order.payment_failures) == (
        "PendingPayment",
        [PaymentFailure(purpose="goods", reason="the deposit balance of 6.00 USD does not cover 20.10 USD", at=T0)],
    )
    s.pay(order_id, 2010)
    s.feed(failed.model_copy(update={"reason": "late"}))  # paid: a failure afterwards is not the order's state
    assert (s.order(order_id).status, len(s.order(order_id).payment_failures)) == ("Confirmed", 1)
    assert [type(e).__name__ for e in s.app.domain_events(order_id)] == [
        "Placed",
        "StockReservationRecorded",
        "PaymentFailureRecorded",
        "Confirmed",
    ]


def test_I3_P6_money_that_arrives_after_a_reduction_is_owed_back_above_the_new_total() -> None:
    """Reserved short while the payment was on its way: 20 rings asked, 12 there; the card paid the
    20 (9000) before payments heard of the reduction. The order confirms on 5400 and owes 3600 back."""
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 20)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 20, 12))
    assert (s.order(order_id).total_minor, s.order(order_id).refund_due_minor) == (5400, 0)
    s.pay(order_id, 9000)
    order = s.order(order_id)
    assert (order.status, order.paid_minor, order.refund_due_minor, order.paid_net_minor) == (
        "Confirmed",
        9000,
        3600,
        5400,
    )
    published = outbound(s, order_id)
    assert [t for t, _ in published] == ["OrderPlaced", "OrderItemsReduced", "OrderConfirmed", "OrderRefundDue"]
    due = published[-1][1]
    assert (due["paid"]["amount_minor"], due["total"]["amount_minor"], due["refund"]["amount_minor"]) == (
        9000,
        5400,
        3600,
    )
    s.at(7 * H)  # O5 afterwards: the fee is on the reduced total, the refund on what is still held
    terms = s.app.cancellation_terms(order_id)
    assert (terms.fee_minor, terms.refund_minor) == (810, 4590)  # 15 % of 5400; 5400 - 810


def test_I3_the_exact_amount_after_a_reduction_owes_nothing_back() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 20)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 20, 12))
    s.pay(order_id, 5400)
    assert [t for t, _ in outbound(s, order_id)] == ["OrderPlaced", "OrderItemsReduced", "OrderConfirmed"]
    assert s.order(order_id).refund_due_minor == 0
