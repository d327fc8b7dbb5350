"""Issue 12, items 5, 9 and 15: a bank transfer's settlement (P2) is recorded as what arrived, once per
bank reference; the order confirms when what arrived covers it, with or without a voucher first, and an
excess goes back (P6); only the customer's account manager or ops settle (X2); vouchers and settlements
work for every purpose. Account managers see their customers' overdue transfers, not those of cancelled
orders. Deposit credits and settlements are bounded by a configured ceiling (X3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.payments.api import create_app
from services.payments.bootstrap import bootstrap
from services.payments.domain import payment_id
from services.payments.settings import PaymentsSettings
from shared.runtime.identity import mint
from shared.runtime.service import Runtime
from shared.runtime.timers import timer_id
from tests.unit.messages import incoming
from tests.unit.payments.bus import Bus, shipping_quoted
from tests.unit.payments.fakes import MemoryGateway
from tests.unit.payments.scenario import PaymentsScenario

RING = "RING-STEEL-PEARL"  # 450 a piece, MOQ 12
PDF = ("voucher.pdf", b"%PDF-1.7 wire transfer", "application/pdf")


def headers(runtime: Runtime[Any], role: str, subject: str, customers: tuple[str, ...] = ()) -> dict[str, str]:
    platform = runtime.settings.platform
    minted = mint(platform.jwt_secret, platform.jwt_issuer, role, subject, customers=customers)
    return {"authorization": f"Bearer {minted}"}


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture
def client(bus: Bus) -> Iterator[TestClient]:
    with TestClient(create_app(bus.payments_runtime)) as c:
        yield c


def transfer_order(bus: Bus, rings: int = 12, sample: bool = False) -> uuid.UUID:
    order_id = bus.orders.place([(RING, rings)], payment_method="bank_transfer", sample=sample)
    bus.orders.reserve(order_id, (RING, rings, rings))
    bus.pump()
    return order_id


def settle(client: TestClient, bus: Bus, order_id: uuid.UUID, body: dict[str, Any]) -> dict[str, Any]:
    manager = headers(bus.payments_runtime, "account_manager", "am-1", ("cust-1",))
    answer = client.post(f"/payments/{order_id}/settle", json=body, headers=manager)
    assert answer.status_code == 200, answer.text
    bus.pump()
    return dict(answer.json())


def test_P2_a_settlement_is_what_arrived_and_the_order_confirms_once_the_arrivals_cover_it(
    bus: Bus, client: TestClient
) -> None:
    """1 arrives on a 5,400 order (no voucher): recorded as 1, not settled, the order waits; the rest
    arrives under another reference: settled, the order confirms; the same request again changes nothing."""
    order_id = transfer_order(bus)
    first = settle(client, bus, order_id, {"amount_minor": 1, "reference": "wire-1"})
    assert (first["paid"], first["settled"]) == ({"amount_minor": 1, "currency": "USD"}, False)
    assert (bus.order(order_id).status, bus.order(order_id).paid_minor) == ("PendingPayment", 1)
    rest = settle(client, bus, order_id, {"amount_minor": 5399, "reference": "wire-2"})
    assert (rest["paid"]["amount_minor"], rest["settled"], rest["refunded"]["amount_minor"]) == (5400, True, 0)
    again = settle(client, bus, order_id, {"amount_minor": 5399, "reference": "wire-2"})  # a retried request
    assert again["paid"]["amount_minor"] == 5400
    order = bus.order(order_id)
    assert (order.status, order.paid_minor, order.refunded_minor) == ("Confirmed", 5400, 0)


def test_P2_P6_what_arrives_beyond_the_order_goes_back_by_transfer_with_or_without_a_voucher(
    bus: Bus, client: TestClient
) -> None:
    customer = headers(bus.payments_runtime, "customer", "cust-1")
    vouched, direct = transfer_order(bus), transfer_order(bus)
    assert client.post(f"/payments/{vouched}/voucher", files={"file": PDF}, headers=customer).status_code == 200
    bus.pump()
    assert bus.order(vouched).status == "Confirmed"  # in advance, on the voucher
    for order_id in (vouched, direct):
        settled = settle(client, bus, order_id, {"amount_minor": 6000})
        assert (settled["paid"]["amount_minor"], settled["refunded"]["amount_minor"]) == (6000, 600)
    for order_id in (vouched, direct):
        order = bus.order(order_id)
        assert (order.status, order.paid_minor, order.refunded_minor, bus.money_in(order_id)) == (
            "Confirmed",
            6000,
            600,
            5400,
        )
    assert settle(client, bus, direct, {"amount_minor": 6000})["refunded"]["amount_minor"] == 600  # a retry


def test_X2_P2_only_the_customers_account_manager_or_ops_settle_a_transfer(bus: Bus, client: TestClient) -> None:
    order_id = transfer_order(bus)
    runtime = bus.payments_runtime
    body = {"amount_minor": 5400, "reference": "wire-9"}
    for who, status in [
        (headers(runtime, "account_manager", "am-2", ("cust-2",)), 403),
        (headers(runtime, "customer", "cust-1"), 403),
        (headers(runtime, "auditor", "aud-1"), 403),
        (headers(runtime, "ops", "ops-1"), 200),
    ]:
        assert client.post(f"/payments/{order_id}/settle", json=body, headers=who).status_code == status
    assert bus.payments.payment(str(order_id), "goods").settled_minor == 5400


def test_P2_P7_O3_vouchers_and_settlements_work_for_the_sample_fee_and_the_shipping(
    bus: Bus, client: TestClient
) -> None:
    customer = headers(bus.payments_runtime, "customer", "cust-1")
    order_id = transfer_order(bus, rings=3, sample=True)  # 3 x 300 sample fee
    uploaded = client.post(f"/payments/{order_id}/sample_fee/voucher", files={"file": PDF}, headers=customer)
    assert (uploaded.status_code, uploaded.json()["purpose"]) == (200, "sample_fee")
    bus.pump()
    assert (bus.order(order_id).status, bus.order(order_id).paid_minor) == ("Confirmed", 900)
    assert settle(client, bus, order_id, {"amount_minor": 900, "purpose": "sample_fee"})["settled"] is True
    bus.orders.picking(order_id, weight=40)
    quote = shipping_quoted(order_id, 2350, bus.clock.now())
    bus.orders.feed(quote)
    bus.payments_runtime.consumer.apply_batch([incoming("ShippingQuoted", quote, 1, bus.clock.now())])
    shipped = settle(client, bus, order_id, {"amount_minor": 2350, "purpose": "shipping"})  # no voucher first
    assert (shipped["purpose"], shipped["settled"]) == ("shipping", True)
    shipping = bus.order(order_id).shipping
    assert (shipping.paid, shipping.paid_minor) == (True, 2350)


def test_P2_X2_account_managers_see_their_customers_overdue_transfers_but_not_cancelled_ones() -> None:
    s = PaymentsScenario()
    with TestClient(create_app(s.runtime)) as client:
        late, other, cancelled, settled = (
            s.placed(5400, method="bank_transfer"),
            s.placed(3000, method="bank_transfer", customer="cust-2"),
            s.placed(4500, method="bank_transfer"),
            s.placed(1200, method="bank_transfer"),
        )
        for n, order_id in enumerate((late, other, cancelled, settled)):
            s.app.upload_voucher(order_id, f"%PDF-1.7 voucher {n}".encode())
        s.app.settle(settled, 1200)
        s.advance(timedelta(days=9))
        s.cancelled(cancelled, fee=0, refund=0)
        s.advance(timedelta(days=1))
        assert s.app.timers is not None
        for order_id in (late, other, cancelled, settled):
            s.app.timers.fire(timer_id("settlement-overdue", str(payment_id(order_id, "goods"))))
        flagged = [p["order_id"] for t, p in s.published() if t == "SettlementOverdue"]
        assert flagged == [late, other]  # a cancelled order's transfer is not chased
        mine = client.get("/transfers/overdue", headers=s.token("account_manager", "am-1", ("cust-1",))).json()
        assert [(o["order_id"], o["customer_id"], o["amount"]["amount_minor"]) for o in mine] == [
            (late, "cust-1", 5400)
        ]
        assert mine[0]["due_at"] == (s.clock.now()).isoformat().replace("+00:00", "Z")
        everyone = client.get("/transfers/overdue", headers=s.token("ops", "ops-1")).json()
        assert [o["order_id"] for o in everyone] == [late, other]
        assert client.get("/transfers/overdue", headers=s.token("customer", "cust-1")).status_code == 403
        s.app.settle(late, 5400)
        assert client.get("/transfers/overdue", headers=s.token("ops", "ops-1")).json()[0]["order_id"] == other


def test_X3_P3_P2_deposit_credits_and_settlements_above_the_ceiling_are_refused_and_change_nothing() -> None:
    runtime = bootstrap(
        PaymentsSettings(fraud_share=0.0, max_amount_minor=1_000_000),
        provider=MemoryGateway(),
        persistence="memory",
    )
    order_id = str(uuid.uuid4())
    from shared.events import orders as o
    from tests.unit.messages import usd

    placed = o.OrderPlaced(
        order_id=order_id,
        customer_id="cust-1",
        total=usd(5400),
        payment_method="bank_transfer",
        lines=[o.OrderLine(sku="RING", quantity=12, unit_price=usd(450))],
        placed_at=runtime.clock.now(),
    )
    runtime.consumer.apply_batch([incoming("OrderPlaced", placed, 1, runtime.clock.now())])
    manager = headers(runtime, "account_manager", "am-1", ("cust-1",))
    with TestClient(create_app(runtime)) as client:
        for amount in (10**30, 1_000_001):
            credit = {"amount_minor": amount, "currency": "USD", "reference": f"wire-{amount}"}
            refused = client.post("/deposits/cust-1/credits", json=credit, headers=manager)
            assert (refused.status_code, refused.json()["errors"][0]["field"], refused.json()["errors"][0]["rule"]) == (
                422,
                "amount_minor",
                "P3",
            )
            settled = client.post(f"/payments/{order_id}/settle", json={"amount_minor": amount}, headers=manager)
            assert (settled.status_code, settled.json()["errors"][0]["rule"]) == (422, "P2")
        ok = {"amount_minor": 1_000_000, "currency": "USD", "reference": "wire-ok"}
        assert client.post("/deposits/cust-1/credits", json=ok, headers=manager).status_code == 200
    assert runtime.app.deposit("cust-1").balance_minor == 1_000_000
    assert runtime.app.payment(order_id, "goods").settlements == {}
