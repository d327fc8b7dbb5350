"""T5 outcomes: refunds for shortage (with its share of shipping, pro rata by weight), damaged,
defective or incorrect items, each a request to payments (P6) capped by what is left to refund;
the result shows when payments' RefundIssued comes back. Other outcomes with a reason."""

from __future__ import annotations

import pytest

from services.tickets.adapters.references import tagged
from services.tickets.domain.errors import InvalidClaim, NothingToRefund, TransitionRefused
from shared.events import payments as pay
from tests.unit.messages import usd
from tests.unit.tickets.scenario import CLASP, PENDANT, RING, Scenario, days


def requests(s: Scenario) -> list[tuple[str, int]]:
    return [(p["purpose"], p["amount"]["amount_minor"]) for e, p in s.published() if e == "TicketRefundRequested"]


def test_T5_a_shortage_is_refunded_with_its_share_of_shipping_by_weight() -> None:
    s = Scenario()
    order_id = s.received(shipping=1000)  # 12 rings of 6 g, 6 pendants of 12 g: 144 g
    ticket = s.open(order_id, "shortage", items={RING: 1, PENDANT: 1})
    resolved = s.app.resolve(ticket.id, "am-1", "refund", "a ring and a pendant were missing")
    # goods: 450 + 780; shipping: 1000 x 18 g / 144 g = 125
    assert requests(s) == [("goods", 1230), ("shipping", 125)]
    assert resolved.status == "resolved"
    refund = next(e for e in s.published(ticket.id) if e[0] == "TicketRefundRequested")[1]
    assert refund == {
        "refund_id": refund["refund_id"],
        "ticket_id": str(ticket.id),
        "order_id": order_id,
        "customer_id": "cust-1",
        "purpose": "goods",
        "amount": {"amount_minor": 1230, "currency": "USD"},
        "reason": tagged(
            f"T5 shortage: 1 x {RING}, 1 x {PENDANT} (ticket {ticket.id}): a ring and a pendant were missing",
            refund["refund_id"],
        ),
        "requested_at": "2026-03-09T09:00:00Z",
    }
    assert [e for e, _ in s.published(ticket.id)] == [
        "TicketOpened",
        "TicketResolved",
        "TicketRefundRequested",
        "TicketRefundRequested",
    ]


def test_T5_the_shipping_share_is_rounded_half_up_in_minor_units() -> None:
    s = Scenario()
    ticket = s.open(s.received(shipping=1000), "shortage", items={RING: 1})
    s.app.resolve(ticket.id, "am-1", "refund", "one ring short")
    assert requests(s) == [("goods", 450), ("shipping", 42)]  # 1000 x 6 / 144 = 41.67


def test_T5_without_a_known_weight_the_shipping_share_is_pro_rata_by_value() -> None:
    s = Scenario()
    order_id = s.received(lines=((RING, 10, 450), (CLASP, 10, 50)), shipping=1000)  # the clasp was never catalogued
    ticket = s.open(order_id, "shortage", items={CLASP: 5})
    s.app.resolve(ticket.id, "am-1", "refund", "five clasps short")
    assert requests(s) == [("goods", 250), ("shipping", 50)]  # 1000 x 250 / 5000
    shipping = [r for r in s.ticket(ticket.id).refunds.values() if r["purpose"] == "shipping"]
    assert shipping[0]["reason"].startswith(
        "T5 shortage: share of the shipping cost 1000 for 5 x CLASP-UNWEIGHED, pro rata by value"
    )


@pytest.mark.parametrize("kind", ["damaged", "defective", "incorrect_item"])
def test_T5_damaged_or_wrong_items_are_refunded_at_their_value_without_shipping(kind: str) -> None:
    s = Scenario()
    ticket = s.open(s.received(), kind, items={PENDANT: 2})
    s.app.resolve(ticket.id, "ops-1", "refund", "the stones came loose")
    assert requests(s) == [("goods", 1560)]


def test_T5_staff_may_refund_other_items_than_claimed() -> None:
    s = Scenario()
    ticket = s.open(s.received(), "damaged", items={PENDANT: 2})
    s.app.resolve(ticket.id, "am-1", "refund", "only one pendant was really damaged", items={PENDANT: 1})
    assert requests(s) == [("goods", 780)]


def test_T5_refunds_never_exceed_what_is_left_of_the_order() -> None:
    s = Scenario()
    order_id = s.received(shipping=1000)
    first = s.open(order_id, "shortage", items={RING: 10})
    s.app.resolve(first.id, "am-1", "refund", "ten rings short")
    # the same rings cannot be refunded twice: only 2 of the 12 are left
    second = s.open(order_id, "damaged", items={RING: 2})
    with pytest.raises(InvalidClaim) as refused:
        s.app.resolve(second.id, "am-1", "refund", "and more", items={RING: 3})
    assert (refused.value.field, refused.value.rule) == ("items.0.quantity", "T5")
    assert str(refused.value) == f"{RING}: 3 claimed, but only 2 shipped and not yet refunded"
    s.app.resolve(second.id, "am-1", "refund", "the last two were scratched")
    assert requests(s) == [("goods", 4500), ("shipping", 417), ("goods", 900)]


def test_T5_the_order_reduced_before_shipping_limits_the_claim() -> None:
    from shared.events import orders as ords
    from tests.unit.messages import usd

    s = Scenario()
    order_id = s.place()
    reduced = ords.OrderItemsReduced(
        order_id=order_id,
        customer_id="cust-1",
        lines=[ords.ReducedLine(sku=RING, quantity_before=12, quantity_after=4)],
        previous_total=usd(10080),
        new_total=usd(6480),
        refund=usd(3600),
        reason="stock shortfall",
        reduced_at=s.clock.now(),
    )
    s.feed("OrderItemsReduced", reduced)
    s.deliver(order_id)
    s.confirm_receipt(order_id)
    with pytest.raises(InvalidClaim, match="5 claimed, but only 4 shipped"):
        s.open(order_id, "shortage", items={RING: 5})


def test_T5_a_refund_needs_items_and_a_kind_that_is_refunded() -> None:
    s = Scenario()
    order_id = s.received()
    no_items = s.open(order_id, "shortage")
    with pytest.raises(InvalidClaim) as nothing_named:
        s.app.resolve(no_items.id, "am-1", "refund", "missing")
    assert (nothing_named.value.field, nothing_named.value.rule) == ("items", "T5")
    other = s.open(order_id, "other", items={RING: 1})
    with pytest.raises(InvalidClaim) as not_refunded:
        s.app.resolve(other.id, "am-1", "refund", "goodwill")
    assert (not_refunded.value.field, not_refunded.value.rule) == ("outcome", "T5")
    assert requests(s) == []


def test_T5_nothing_left_to_refund_is_refused() -> None:
    s = Scenario()
    order_id = s.received(lines=((RING, 12, 0),), shipping=None)  # a free replacement shipment
    ticket = s.open(order_id, "damaged", items={RING: 1})
    with pytest.raises(NothingToRefund) as refused:
        s.app.resolve(ticket.id, "am-1", "refund", "scratched")
    assert (refused.value.field, refused.value.rule) == ("items", "T5")


def test_T5_the_ticket_shows_the_refund_when_payments_reports_it() -> None:
    s = Scenario()
    order_id = s.received(shipping=1000)
    ticket = s.open(order_id, "shortage", items={RING: 1})
    resolved = s.app.resolve(ticket.id, "am-1", "refund", "one ring short")
    goods, shipping = (r["refund_id"] for r in resolved.refunds.values())
    # payments refunds the goods part in two captures, and the shipping part; its reasons carry the tag
    reason = {r["refund_id"]: tagged(r["reason"], r["refund_id"]) for r in resolved.refunds.values()}
    s.refund_issued(order_id, 300, reason[goods])
    s.refund_issued(order_id, 150, reason[goods])
    s.refund_issued(order_id, 999, "stock shortfall after confirmation")  # not a ticket's: ignored
    refunds = s.ticket(ticket.id).refunds
    assert (refunds[goods]["issued_minor"], refunds[shipping]["issued_minor"]) == (450, 0)
    s.refund_issued(order_id, 42, reason[shipping])
    assert s.ticket(ticket.id).refunds[shipping]["issued_minor"] == 42
    assert s.types(ticket.id) == ["Opened", "Resolved", "RefundRequested", "RefundRequested"] + ["RefundIssued"] * 3


def test_T5_P6_a_refund_payments_refuses_shows_as_refused_with_the_reason() -> None:
    s = Scenario()
    order_id = s.received()
    ticket = s.open(order_id, "damaged", items={RING: 1})
    resolved = s.app.resolve(ticket.id, "am-1", "refund", "cracked pearl")
    (goods,) = (r["refund_id"] for r in resolved.refunds.values())
    refused = pay.RefundRefused(
        order_id=order_id,
        reference=goods,
        purpose="goods",
        amount=usd(450),
        reason="nothing left to refund (paid 0.00 USD)",
        refused_at=s.clock.now(),
    )
    s.feed("RefundRefused", refused)
    s.feed("RefundRefused", refused)  # a second report changes nothing
    assert s.ticket(ticket.id).refunds[goods]["refused_reason"] == "nothing left to refund (paid 0.00 USD)"
    assert s.types(ticket.id) == ["Opened", "Resolved", "RefundRequested", "RefundRefused"]


def test_T5_a_refund_is_matched_by_its_reference_field() -> None:
    s = Scenario()
    order_id = s.received()
    ticket = s.open(order_id, "damaged", items={RING: 1})
    resolved = s.app.resolve(ticket.id, "am-1", "refund", "cracked pearl")
    (goods,) = (r["refund_id"] for r in resolved.refunds.values())
    issued = pay.RefundIssued(
        order_id=order_id,
        amount=usd(450),
        reason="after-sale refund",  # no tag in the reason: the reference names the request
        issued_at=s.clock.now(),
        method="card",
        purpose="goods",
        reference=goods,
    )
    s.feed("RefundIssued", issued)
    assert s.ticket(ticket.id).refunds[goods]["issued_minor"] == 450


@pytest.mark.parametrize("outcome", ["replacement_sent", "no_action"])
def test_T5_other_outcomes_close_the_ticket_with_a_reason_and_no_refund(outcome: str) -> None:
    s = Scenario()
    ticket = s.open(s.received(), "other")
    resolved = s.app.resolve(ticket.id, "ops-1", outcome, "sent two new rings by courier")
    assert resolved.resolution == {
        "outcome": outcome,
        "reason": "sent two new rings by courier",
        "actor": "ops-1",
        "at": s.clock.now(),
    }
    assert (resolved.status, resolved.closed_at) == ("resolved", s.clock.now())
    assert [e for e, _ in s.published(ticket.id)] == ["TicketOpened", "TicketResolved"]
    with pytest.raises(TransitionRefused) as again:
        s.app.resolve(ticket.id, "ops-1", "no_action", "twice")
    assert (again.value.field, again.value.rule) == ("status", "T5")
    with pytest.raises(TransitionRefused):
        s.app.reply(ticket.id, "ops-1", "one more thing")
    s.at(s.clock.now() + days(3))
    assert s.fire_due() == 1  # the reply deadline of the first message is stale: the ticket was resolved
    assert s.ticket(ticket.id).breaches == []
