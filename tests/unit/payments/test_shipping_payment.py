"""P7: the shipping cost is a second payment, made after the quote, by the method and payer of the
goods (or sample fee): card or PayPal captured over HTTP, a bank transfer confirmed by its voucher and
settled later, or a debit from the deposit. Shipping dispatches on PaymentCaptured, DepositDebited or
PaymentSettled (PaymentVoucherReceived too) with purpose "shipping"; only the payer, their account
manager and ops act on it (X2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.payments.api import create_app
from services.payments.domain import payment_id
from shared.runtime.timers import timer_id
from tests.unit.payments.scenario import VISA, PaymentsScenario

USD = "USD"
PDF = ("voucher.pdf", b"%PDF-1.7 wire transfer", "application/pdf")


@pytest.fixture
def s() -> PaymentsScenario:
    return PaymentsScenario()


@pytest.fixture
def client(s: PaymentsScenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def money(amount_minor: int) -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": USD}


def paid(s: PaymentsScenario) -> list[tuple[str, str, dict[str, Any]]]:
    """(event type, purpose, amount) of what payments published, in order."""
    return [(t, p.get("purpose", ""), p.get("amount", {})) for t, p in s.published()]


def capture(client: TestClient, order_id: str, body: dict[str, str], key: str, headers: dict[str, str]) -> Any:
    return client.post(f"/payments/{order_id}/shipping/capture", json=body, headers={**headers, "idempotency-key": key})


def test_P7_shipping_is_paid_by_card_after_the_quote(s: PaymentsScenario, client: TestClient) -> None:
    cust = s.token("customer", "cust-1")
    card = {"method": "card", "source": VISA}
    order_id = s.placed(5400)
    s.app.capture(order_id, "goods", "card", VISA, "key-goods-0001")
    # Nothing to pay for shipping before the quote.
    assert capture(client, order_id, card, "key-ship-0001", cust).status_code == 404
    s.quoted(order_id, 2350)
    # The shipping follows the goods' method: a card order's shipping is not taken from a deposit.
    s.app.credit_deposit("cust-1", 9000, USD, "wire-0009")
    deposit = client.post(f"/payments/{order_id}/shipping/deposit", headers=cust)
    assert (deposit.status_code, deposit.json()["errors"][0]["rule"], s.app.deposit("cust-1").balance_minor) == (
        404,
        "P3",
        9000,
    )
    first = capture(client, order_id, card, "key-ship-0001", cust)
    retry = capture(client, order_id, card, "key-ship-0001", cust)  # a retried request: charged once
    assert (first.status_code, first.json()) == (200, retry.json())
    assert (first.json()["status"], first.json()["network"], first.json()["last4"]) == ("captured", "visa", "1111")
    assert s.gateway.charged == {f"{order_id}:goods:key-goods-0001": 5400, f"{order_id}:shipping:key-ship-0001": 2350}
    shipping = s.app.payment(order_id, "shipping")
    assert (shipping.method, shipping.customer_id, shipping.paid_minor) == ("card", "cust-1", 2350)
    assert paid(s) == [("PaymentCaptured", "goods", money(5400)), ("PaymentCaptured", "shipping", money(2350))]
    assert [p["method"] for t, p in s.published()] == ["card", "card"]
    # A second capture with a new key is refused before the gateway is asked (P4).
    again = capture(client, order_id, card, "key-ship-0002", cust)
    assert (again.status_code, again.json()["errors"][0]["rule"], len(s.gateway.charged)) == (409, "P4", 2)


def test_P7_shipping_is_paid_by_paypal_after_the_quote(s: PaymentsScenario, client: TestClient) -> None:
    cust = s.token("customer", "cust-1")
    order_id = s.placed(12_990, method="paypal")
    s.app.capture(order_id, "goods", "paypal", "payer-7781", "key-goods-0002")
    s.quoted(order_id, 4120)
    # The shipping follows the goods' method: a card is refused for a PayPal payment.
    card = capture(client, order_id, {"method": "card", "source": VISA}, "key-ship-card-1", cust)
    assert (card.status_code, card.json()["errors"][0]["field"]) == (422, "method")
    done = capture(client, order_id, {"method": "paypal", "source": "payer-7781"}, "key-ship-0003", cust)
    assert (done.status_code, done.json()["status"], done.json()["last4"]) == (200, "captured", None)
    assert s.gateway.charged == {f"{order_id}:goods:key-goods-0002": 12_990, f"{order_id}:shipping:key-ship-0003": 4120}
    assert paid(s) == [("PaymentCaptured", "goods", money(12_990)), ("PaymentCaptured", "shipping", money(4120))]
    assert s.published()[1][1]["method"] == "paypal"


def test_P7_P2_shipping_by_bank_transfer_is_confirmed_by_its_voucher_and_then_settles(
    s: PaymentsScenario, client: TestClient
) -> None:
    cust, manager = s.token("customer", "cust-1"), s.token("account_manager", "am-1", ("cust-1",))
    order_id = s.placed(10_080, method="bank_transfer")
    # The goods' voucher, on the route that has always taken it.
    goods = client.post(f"/payments/{order_id}/voucher", files={"file": PDF}, headers=cust)
    assert (goods.status_code, goods.json()["purpose"], goods.json()["vouchers"]) == (200, "goods", 1)
    s.quoted(order_id, 2875)
    voucher = client.post(f"/payments/{order_id}/shipping/voucher", files={"file": PDF}, headers=cust)
    assert (voucher.status_code, voucher.json()["purpose"], voucher.json()["confirms_order"]) == (200, "shipping", True)
    assert (voucher.json()["amount"], voucher.json()["paid"], voucher.json()["settled"]) == (
        money(2875),
        money(0),
        False,
    )
    # The account manager books both transfers; the settlement names the payment it is for.
    assert (
        client.post(f"/payments/{order_id}/settle", json={"amount_minor": 10_080}, headers=manager).status_code == 200
    )
    settled = client.post(
        f"/payments/{order_id}/settle", json={"amount_minor": 2875, "purpose": "shipping"}, headers=manager
    )
    assert (settled.status_code, settled.json()["paid"], settled.json()["settled"]) == (200, money(2875), True)
    assert paid(s) == [
        ("PaymentVoucherReceived", "goods", money(10_080)),
        ("PaymentVoucherReceived", "shipping", money(2875)),
        ("PaymentSettled", "goods", money(10_080)),
        ("PaymentSettled", "shipping", money(2875)),
    ]


def test_P7_P2_an_unsettled_shipping_transfer_is_flagged_after_10_days(s: PaymentsScenario) -> None:
    order_id = s.placed(5400, method="bank_transfer")
    s.quoted(order_id, 2350)
    s.app.upload_voucher(order_id, b"%PDF-1.7 shipping", purpose="shipping")
    s.advance(timedelta(days=10))
    assert s.app.timers is not None
    s.app.timers.fire(timer_id("settlement-overdue", str(payment_id(order_id, "shipping"))))
    assert [(t, p["amount"]["amount_minor"]) for t, p in s.published()] == [
        ("PaymentVoucherReceived", 2350),
        ("SettlementOverdue", 2350),
    ]


def test_P7_P3_a_deposit_orders_shipping_is_debited_from_the_deposit_when_it_covers_the_quote(
    s: PaymentsScenario, client: TestClient
) -> None:
    cust = s.token("customer", "cust-1")
    s.app.credit_deposit("cust-1", 8000, USD, "wire-0001")
    order_id = s.placed(5400, method="deposit")
    s.quoted(order_id, 2350)
    s.quoted(order_id, 2350)  # the same quote again (another message): debited once
    account = s.app.deposit("cust-1")
    assert (account.balance_minor, account.debited_for(order_id), account.debited_for(order_id, "shipping")) == (
        250,
        5400,
        2350,
    )
    assert paid(s) == [("DepositDebited", "goods", money(5400)), ("DepositDebited", "shipping", money(2350))]
    assert {p["customer_id"] for _, p in s.published()} == {"cust-1"}
    # Paying it from the deposit again takes nothing more.
    again = client.post(f"/payments/{order_id}/shipping/deposit", headers=cust)
    assert (again.status_code, again.json()["balance"]) == (200, money(250))
    assert len(s.published()) == 2


def test_P7_P3_shipping_the_deposit_does_not_cover_is_paid_from_it_after_a_top_up(
    s: PaymentsScenario, client: TestClient
) -> None:
    cust, manager = s.token("customer", "cust-1"), s.token("account_manager", "am-1", ("cust-1",))
    s.app.credit_deposit("cust-1", 6000, USD, "wire-0002")
    order_id = s.placed(5400, method="deposit")
    s.quoted(order_id, 2350)  # 600 left does not cover 2350: PaymentFailed for the shipping
    failed = s.published()[1]
    assert (failed[0], failed[1]["purpose"]) == ("PaymentFailed", "shipping")
    assert failed[1]["reason"] == "the deposit balance of 6.00 USD does not cover 23.50 USD"
    for topped_up in (1000, 750):
        short = client.post(f"/payments/{order_id}/shipping/deposit", headers=cust)
        assert (short.status_code, short.json()["errors"][0]["field"], short.json()["errors"][0]["rule"]) == (
            409,
            "amount",
            "P3",
        )
        credit = {"amount_minor": topped_up, "currency": USD, "reference": f"wire-top-{topped_up}"}
        assert client.post("/deposits/cust-1/credits", json=credit, headers=manager).status_code == 200
    done = client.post(f"/payments/{order_id}/shipping/deposit", headers=cust)
    twice = client.post(f"/payments/{order_id}/shipping/deposit", headers=cust)  # a second click
    assert (done.status_code, done.json()["balance"], twice.json()["balance"]) == (200, money(0), money(0))
    assert paid(s)[2:] == [("DepositDebited", "shipping", money(2350))]
    statement = client.get("/deposits/mine/history", headers=cust).json()
    assert [(m["kind"], m["purpose"], m["balance_after_minor"]) for m in statement] == [
        ("Credited", None, 6000),
        ("Debited", "goods", 600),
        ("DebitRefused", "shipping", 600),
        ("Credited", None, 1600),
        ("Credited", None, 2350),
        ("Debited", "shipping", 0),
    ]


def test_P7_O3_a_sample_orders_shipping_follows_the_sample_fees_method_and_payer(s: PaymentsScenario) -> None:
    order_id = s.placed(1500, method="paypal", sample=True)
    s.app.capture(order_id, "sample_fee", "paypal", "payer-3310", "key-sample-001")
    s.quoted(order_id, 1180)
    shipping = s.app.payment(order_id, "shipping")
    assert (shipping.method, shipping.customer_id, shipping.amount_minor) == ("paypal", "cust-1", 1180)
    s.app.capture(order_id, "shipping", "paypal", "payer-3310", "key-sample-002")
    assert paid(s) == [("PaymentCaptured", "sample_fee", money(1500)), ("PaymentCaptured", "shipping", money(1180))]


def test_P7_a_quote_for_an_order_payments_never_saw_is_dead_lettered_not_left_unpayable(
    s: PaymentsScenario,
) -> None:
    order_id = str(uuid.uuid4())
    result = s.quoted(order_id, 2350)
    assert [error for _, error in result.dead] == [
        f"PaymentNotFound: order {order_id} has no payment whose method and payer its shipping follows"
    ]
    assert s.app.payment_by_id(payment_id(order_id, "shipping")) is None and s.published() == []


def test_X2_only_the_payer_their_account_manager_and_ops_act_on_the_shipping_payment(
    s: PaymentsScenario, client: TestClient
) -> None:
    owner, other = s.token("customer", "cust-1"), s.token("customer", "cust-2")
    their_manager = s.token("account_manager", "am-1", ("cust-1",))
    other_manager = s.token("account_manager", "am-2", ("cust-2",))
    by_card, by_transfer = s.placed(5400), s.placed(5400, method="bank_transfer")
    by_deposit = s.placed(5400, method="deposit")  # the empty deposit does not cover it
    s.app.capture(by_card, "goods", "card", VISA, "key-x2-goods-01")
    for order_id in (by_card, by_transfer, by_deposit):
        s.quoted(order_id, 2350)
    card = {"method": "card", "source": VISA}
    # Another customer: refused on every route, and nothing is charged or recorded.
    assert capture(client, by_card, card, "key-x2-ship-01", other).status_code == 403
    assert (
        client.post(f"/payments/{by_transfer}/shipping/voucher", files={"file": PDF}, headers=other).status_code == 403
    )
    assert client.post(f"/payments/{by_deposit}/shipping/deposit", headers=other).status_code == 403
    assert client.post(f"/payments/{by_deposit}/goods/deposit", headers=other).status_code == 403
    assert client.get(f"/payments/{by_card}", headers=other).status_code == 403
    assert list(s.gateway.charged) == [f"{by_card}:goods:key-x2-goods-01"]
    # Another customer's account manager may not settle it; theirs and ops may.
    voucher = client.post(f"/payments/{by_transfer}/shipping/voucher", files={"file": PDF}, headers=owner)
    assert voucher.status_code == 200
    settle = {"amount_minor": 2350, "purpose": "shipping"}
    assert client.post(f"/payments/{by_transfer}/settle", json=settle, headers=other_manager).status_code == 403
    assert s.app.payment(by_transfer, "shipping").settled_at is None
    assert client.post(f"/payments/{by_transfer}/settle", json=settle, headers=their_manager).status_code == 200
    ops = s.token("ops", "ops-1")
    assert client.post(f"/payments/{by_transfer}/settle", json={"amount_minor": 5400}, headers=ops).status_code == 200
    # The payer pays their own shipping.
    assert capture(client, by_card, card, "key-x2-ship-02", owner).json()["status"] == "captured"
    listed = client.get(f"/payments/{by_card}", headers=their_manager).json()
    assert [(p["purpose"], p["paid"]["amount_minor"]) for p in listed] == [("goods", 5400), ("shipping", 2350)]
