"""Issue 12, items 1, 2, 7 and 8: money is never kept for an order that was cancelled or could not be
reserved. Orders and payments run together (in memory, wired as through Kafka): a capture for a
cancelled order is refused (409, O5); money that still arrives (a capture racing the cancellation, a
voucher, a transfer) goes back to where it came from (P6); a second cancellation message changes
nothing; an order that reserved nothing takes no capture (I3); a cancelled sample order is refunded
whatever paid it (O3, P6), and refunds are shown per purpose on the order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.payments.api import create_app
from shared.events import Money
from shared.events import orders as o
from shared.events import tickets as t
from shared.runtime.identity import mint
from tests.unit.messages import incoming, usd
from tests.unit.payments.bus import Bus, shipping_quoted
from tests.unit.payments.scenario import VISA

RING = "RING-STEEL-PEARL"  # 450 a piece, MOQ 12
PDF = ("voucher.pdf", b"%PDF-1.7 wire transfer", "application/pdf")


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture
def client(bus: Bus) -> Iterator[TestClient]:
    with TestClient(create_app(bus.payments_runtime)) as c:
        yield c


def token(bus: Bus, role: str, subject: str, customers: tuple[str, ...] = ()) -> dict[str, str]:
    platform = bus.payments_runtime.settings.platform
    minted = mint(platform.jwt_secret, platform.jwt_issuer, role, subject, customers=customers)
    return {"authorization": f"Bearer {minted}"}


def placed(bus: Bus, method: str, rings: int = 12, reserved: int | None = None, sample: bool = False) -> uuid.UUID:
    order_id = bus.orders.place([(RING, rings)], payment_method=method, sample=sample)
    bus.orders.reserve(order_id, (RING, rings, rings if reserved is None else reserved))
    bus.pump()
    return order_id


def capture(client: TestClient, bus: Bus, order_id: uuid.UUID, key: str, purpose: str = "goods") -> Any:
    headers = {**token(bus, "customer", "cust-1"), "idempotency-key": key}
    body = {"method": "card", "source": VISA}
    return client.post(f"/payments/{order_id}/{purpose}/capture", json=body, headers=headers)


def figures(bus: Bus, order_id: uuid.UUID) -> tuple[str, int, int, int]:
    """(status, paid, refunded) as orders shows them, and what payments still holds for the order."""
    order = bus.order(order_id)
    return order.status, order.paid_minor, order.refunded_minor, bus.money_in(order_id)


def refunds(bus: Bus, order_id: uuid.UUID) -> list[tuple[int, str | None, str | None]]:
    """(amount, method, purpose) of each RefundIssued payments published about the order."""
    found = []
    for n in bus.payments.recorder.select_notifications(start=1, limit=10_000):
        built = bus.links[1].translate(bus.payments.mapper.to_domain_event(n))
        if built and built[0] == "RefundIssued" and built[2] == str(order_id):
            issued = built[1].model_dump()
            found.append((issued["amount"]["amount_minor"], issued["method"], issued["purpose"]))
    return found


def test_O5_P6_a_capture_for_an_order_cancelled_free_is_refused_and_nothing_is_taken(
    bus: Bus, client: TestClient
) -> None:
    """Item 1: cancelled free, then paid by card: 409 naming O5, the gateway never asked, nothing kept."""
    order_id = placed(bus, "card")
    bus.orders.app.cancel(order_id)
    bus.pump()
    refused = capture(client, bus, order_id, "key-after-cancel-1")
    assert refused.status_code == 409
    assert refused.json()["errors"][0] | {"message": ""} == {"field": "order_id", "rule": "O5", "message": ""}
    assert bus.gateway.captures == {}
    assert figures(bus, order_id) == ("Cancelled", 0, 0, 0)


@pytest.mark.parametrize("method", ["card", "paypal"])
def test_O5_P6_a_capture_racing_the_cancellation_goes_back_in_full(bus: Bus, method: str) -> None:
    """Item 1: orders cancelled free (it knew of no payment) while the capture was on its way: payments
    gives back what it holds, not what orders knew of; orders shows the money in and out."""
    order_id = placed(bus, method)
    bus.orders.app.cancel(order_id)  # refund 0 on the message: nothing was paid as far as orders knew
    source = VISA if method == "card" else "payer-7"
    bus.payments.capture(str(order_id), "goods", method, source, "key-race-00001")  # payments not told yet
    bus.pump()
    assert figures(bus, order_id) == ("Cancelled", 5400, 5400, 0)
    assert refunds(bus, order_id) == [(5400, method, "goods")]


def test_O5_P6_P2_a_transfer_arriving_for_a_cancelled_order_goes_back(bus: Bus, client: TestClient) -> None:
    """Item 1: a voucher uploaded and transfers settled after a free cancellation: the money goes back by
    transfer as it arrives, with or without a voucher first."""
    manager = token(bus, "account_manager", "am-1", ("cust-1",))
    with_voucher, without = placed(bus, "bank_transfer"), placed(bus, "bank_transfer")
    for order_id in (with_voucher, without):
        bus.orders.app.cancel(order_id)
    bus.pump()
    uploaded = client.post(
        f"/payments/{with_voucher}/voucher", files={"file": PDF}, headers=token(bus, "customer", "cust-1")
    )
    assert (uploaded.status_code, uploaded.json()["cancelled"]) == (200, True)
    for order_id in (with_voucher, without):
        settled = client.post(f"/payments/{order_id}/settle", json={"amount_minor": 5400}, headers=manager)
        assert (settled.status_code, settled.json()["refunded"]["amount_minor"]) == (200, 5400)
    bus.pump()
    assert [refunds(bus, o) for o in (with_voucher, without)] == [[(5400, "bank_transfer", "goods")]] * 2
    assert [bus.money_in(o) for o in (with_voucher, without)] == [0, 0]
    assert [bus.order(o).refunded_minor for o in (with_voucher, without)] == [5400, 5400]


def test_O5_P3_a_deposit_order_cancelled_while_awaiting_a_top_up_is_not_debited_after(
    bus: Bus, client: TestClient
) -> None:
    """Item 1: the deposit did not cover the order; it was cancelled; a top-up then 'pay' is refused (O5)."""
    order_id = placed(bus, "deposit")  # the empty deposit: PaymentFailed, awaiting a top-up
    bus.orders.app.cancel(order_id)
    bus.pump()
    bus.payments.credit_deposit("cust-1", 6000, "USD", "wire-1")
    paid = client.post(f"/payments/{order_id}/goods/deposit", headers=token(bus, "customer", "cust-1"))
    assert (paid.status_code, paid.json()["errors"][0]["rule"]) == (409, "O5")
    assert bus.payments.deposit("cust-1").balance_minor == 6000


@pytest.mark.parametrize("method", ["card", "paypal", "bank_transfer", "deposit"])
def test_P6_O5_a_second_cancellation_message_changes_nothing(bus: Bus, method: str) -> None:
    """Item 7: paid 10,080, cancelled 7 h after placing with a fee of 1,512: 8,568 back; the cancellation
    delivered again as another message (another event id) refunds nothing more, whatever paid the order."""
    bus.payments.credit_deposit("cust-1", 20_000, "USD", "wire-1")
    order_id = bus.orders.place([(RING, 12), ("NECK-ZIRC-PEND", 6)], payment_method=method)  # 5,400 + 4,680
    bus.orders.reserve(order_id, (RING, 12, 12), ("NECK-ZIRC-PEND", 6, 6))
    bus.pump()
    if method in ("card", "paypal"):
        bus.payments.capture(str(order_id), "goods", method, VISA if method == "card" else "payer-1", "key-fee-00001")
    elif method == "bank_transfer":
        bus.payments.settle(str(order_id), 10_080)
    bus.pump()
    assert figures(bus, order_id) == ("Confirmed", 10_080, 0, 10_080)
    bus.orders.at(timedelta(hours=7))
    terms = bus.orders.app.cancel(order_id)
    assert (terms.fee_minor, terms.refund_minor) == (1512, 8568)
    bus.pump()
    again = o.OrderCancelled(
        order_id=str(order_id),
        customer_id="cust-1",
        fee=usd(1512),
        refund=usd(8568),
        reason=terms.reason,
        cancelled_at=terms.at,
    )
    result = bus.payments_runtime.consumer.apply_batch([incoming("OrderCancelled", again, 10_000, terms.at)])
    assert (result.applied, result.duplicates, result.dead) == (1, 0, [])
    bus.pump()
    assert refunds(bus, order_id) == [(8568, method, "goods")]
    assert figures(bus, order_id) == ("Cancelled", 10_080, 8568, 1512)


def test_I3_an_order_that_reserved_nothing_takes_no_capture_and_says_none_reserved(
    bus: Bus, client: TestClient
) -> None:
    """Item 2: nothing could be reserved (total 0): the capture is refused (nothing to pay, 409 I3), the
    gateway never asked, and the order shows its stock as "none reserved", not "partially"."""
    order_id = placed(bus, "card", reserved=0)
    order = bus.order(order_id)
    assert (order.status, order.stock, order.total_minor) == ("PendingPayment", "none reserved", 0)
    refused = capture(client, bus, order_id, "key-nothing-001")
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (409, "I3")
    assert bus.gateway.captures == {} and figures(bus, order_id) == ("PendingPayment", 0, 0, 0)
    partly = placed(bus, "card", rings=24, reserved=12)
    assert (bus.order(partly).stock, bus.order(partly).total_minor) == ("partially reserved", 5400)


@pytest.mark.parametrize("method", ["card", "paypal", "bank_transfer", "deposit"])
def test_P6_O3_a_cancelled_sample_order_is_refunded_to_whatever_paid_its_fee(bus: Bus, method: str) -> None:
    """Item 8: a sample order (3 items x 300 fee) paid by each method, cancelled within the free window:
    its fee goes back in full to the method that paid it (the deposit too), shown on the order."""
    bus.payments.credit_deposit("cust-1", 5000, "USD", "wire-1")
    order_id = placed(bus, method, rings=3, sample=True)
    if method in ("card", "paypal"):
        bus.payments.capture(str(order_id), "sample_fee", method, VISA if method == "card" else "payer-1", "key-smp-01")
    elif method == "bank_transfer":
        bus.payments.settle(str(order_id), 900, "sample_fee")
    bus.pump()
    assert figures(bus, order_id) == ("Confirmed", 900, 0, 900)
    bus.orders.app.cancel(order_id)
    bus.pump()
    assert refunds(bus, order_id) == [(900, method, "sample_fee")]
    assert figures(bus, order_id) == ("Cancelled", 900, 900, 0)


def ticket_refund(bus: Bus, order_id: uuid.UUID, purpose: str, amount: int, n: int) -> None:
    asked = t.TicketRefundRequested(
        refund_id=str(uuid.uuid4()),
        ticket_id=str(uuid.uuid4()),
        order_id=str(order_id),
        customer_id="cust-1",
        purpose=purpose,  # type: ignore[arg-type]
        amount=Money(amount_minor=amount, currency="USD"),
        reason=f"T5 damaged ({purpose})",
        requested_at=bus.clock.now(),
    )
    result = bus.payments_runtime.consumer.apply_batch([incoming("TicketRefundRequested", asked, n, bus.clock.now())])
    assert result.applied == 1


@pytest.mark.parametrize("method", ["card", "paypal", "bank_transfer", "deposit"])
def test_P6_P7_refunds_are_shown_on_the_order_against_the_payment_they_came_from(bus: Bus, method: str) -> None:
    """Item 8: the goods (5,400) and the shipping (2,350) are paid by the same method; a refund of each
    (T5) is shown against its own payment: `refunded` counts the goods only, like `paid`, and the
    shipping's refund is on the shipping."""
    bus.payments.credit_deposit("cust-1", 10_000, "USD", "wire-1")
    order_id = placed(bus, method)
    source = VISA if method == "card" else "payer-1"
    if method in ("card", "paypal"):
        bus.payments.capture(str(order_id), "goods", method, source, "key-goods-001")
    elif method == "bank_transfer":
        bus.payments.settle(str(order_id), 5400)
    bus.pump()
    bus.orders.picking(order_id, weight=90)
    quote = shipping_quoted(order_id, 2350, bus.clock.now())
    bus.orders.feed(quote)
    bus.payments_runtime.consumer.apply_batch([incoming("ShippingQuoted", quote, 1, bus.clock.now())])
    if method in ("card", "paypal"):
        bus.payments.capture(str(order_id), "shipping", method, source, "key-ship-001")
    elif method == "bank_transfer":
        bus.payments.settle(str(order_id), 2350, "shipping")
    bus.pump()
    ticket_refund(bus, order_id, "shipping", 310, 2)
    ticket_refund(bus, order_id, "goods", 450, 3)
    bus.pump()
    order = bus.order(order_id)
    assert (order.paid_minor, order.refunded_minor) == (5400, 450)
    assert (order.shipping.paid_minor, order.shipping.refunded_minor) == (2350, 310)
    assert sorted(refunds(bus, order_id)) == [(310, method, "shipping"), (450, method, "goods")]
