"""The payments HTTP API on in-memory storage: deposits (statement, paying an awaited order after a
top-up), who may see what (X2), and the auditors' view of a payment as of an instant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.payments.api import create_app
from tests.unit.payments.scenario import VISA, PaymentsScenario


@pytest.fixture
def s() -> PaymentsScenario:
    return PaymentsScenario()


@pytest.fixture
def client(s: PaymentsScenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def test_P3_a_customer_tops_up_pays_the_awaited_order_and_reads_the_statement(s, client) -> None:
    cust, manager = s.token("customer", "cust-1"), s.token("account_manager", "am-1", ("cust-1",))
    order_id = s.placed(9000, method="deposit")  # the empty deposit does not cover it: PaymentFailed
    early = client.post(f"/payments/{order_id}/goods/deposit", headers=cust)
    assert (early.status_code, early.json()["errors"][0]["field"], early.json()["errors"][0]["rule"]) == (
        409,
        "amount",
        "P3",
    )
    credited = client.post(
        "/deposits/cust-1/credits",
        json={"amount_minor": 10000, "currency": "USD", "reference": "bank-1"},
        headers=manager,
    )
    assert credited.json()["balance"] == {"amount_minor": 10000, "currency": "USD"}
    paid = client.post(f"/payments/{order_id}/goods/deposit", headers=cust)
    assert (paid.status_code, paid.json()["balance"]["amount_minor"]) == (200, 1000)
    statement = client.get("/deposits/mine/history", headers=cust).json()
    assert [(m["kind"], m["amount_minor"], m["balance_after_minor"]) for m in statement] == [
        ("DebitRefused", 9000, 0),
        ("Credited", 10000, 10000),
        ("Debited", 9000, 1000),
    ]
    assert statement[0]["reason"] == "the deposit balance of 0.00 USD does not cover 90.00 USD"
    assert [t for t, _ in s.published()] == ["PaymentFailed", "DepositDebited"]


def test_X2_a_deposit_is_seen_by_its_account_manager_ops_and_auditors_only(s, client) -> None:
    s.app.credit_deposit("cust-1", 2500, "USD", "bank-2")
    seen = client.get("/deposits/cust-1", headers=s.token("account_manager", "am-1", ("cust-1",)))
    assert (seen.status_code, seen.json()["balance"]["amount_minor"], len(seen.json()["movements"])) == (200, 2500, 1)
    assert client.get("/deposits/cust-1", headers=s.token("auditor", "aud-1")).status_code == 200
    assert client.get("/deposits/cust-1", headers=s.token("account_manager", "am-2", ("cust-9",))).status_code == 403
    assert client.get("/deposits/cust-1", headers=s.token("customer", "cust-1")).status_code == 403
    assert client.get("/deposits/cust-1").status_code == 401


def test_P6_auditors_read_a_payment_as_it_was_before_its_refund(s, client) -> None:
    order_id = s.placed(10080)
    s.app.capture(order_id, "goods", "card", VISA, "key-audit-0001")
    paid_at = s.clock.now()
    s.advance(timedelta(hours=7))
    s.cancelled(order_id, fee=1512, refund=8568)
    auditor = s.token("auditor", "aud-1")
    now = client.get(f"/payments/{order_id}", headers=auditor).json()
    then = client.get(f"/payments/{order_id}", params={"as_of": paid_at.isoformat()}, headers=auditor).json()
    assert [(p["paid"]["amount_minor"], p["refunded"]["amount_minor"]) for p in now] == [(10080, 8568)]
    assert [(p["paid"]["amount_minor"], p["refunded"]["amount_minor"]) for p in then] == [(10080, 0)]
    before = client.get(f"/payments/{order_id}", params={"as_of": "2020-01-01T00:00:00Z"}, headers=auditor).json()
    assert before == []
    naive = client.get(f"/payments/{order_id}", params={"as_of": "2026-03-02T09:00:00"}, headers=auditor)
    assert (naive.status_code, naive.json()["errors"][0]["field"], naive.json()["errors"][0]["rule"]) == (
        422,
        "as_of",
        "X3",
    )
    customer = client.get(
        f"/payments/{order_id}", params={"as_of": paid_at.isoformat()}, headers=s.token("customer", "cust-1")
    )
    assert customer.status_code == 403
