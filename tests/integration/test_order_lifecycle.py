"""From cart to Confirmed across orders, inventory and payments (the sandbox card gateway), over HTTP
and the real broker; then the confirmation e-mail, the cancellation terms, a cancellation and the
refund to the card."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest

from tests.infra import eventually
from tests.integration.client import SystemClient
from tests.integration.test_walking_skeleton import CHECKOUT
from tests.kafka_helpers import read_all
from tools.launcher.stack import Stack


@pytest.fixture(scope="module")
def client(system: Stack) -> Iterator[SystemClient]:
    c = SystemClient(system)
    yield c
    c.http.close()


def mails_for(system: Stack, order_id: str) -> list[Any]:
    found = []
    for path in sorted(system.mail_dir.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["Message-ID"] == f"<order-confirmed.{order_id}@hallmark>":
            found.append(message)
    return found


def test_O1_O4_O5_O6_cart_to_confirmed_then_terms_and_cancellation(client: SystemClient, system: Stack) -> None:
    customer = client.token("customer", f"cust-{secrets.token_hex(3)}")
    # O1: fill the cart (once the catalogue has reached the orders service), change it, check out.
    eventually(
        lambda: (
            client.call(
                "POST",
                "orders",
                "/carts/mine/items",
                headers=customer,
                json={"sku": "RING-STEEL-PEARL", "quantity": 10},
            ).status_code
            == 200
        ),
        what="catalogue known to orders",
    )
    client.call("POST", "orders", "/carts/mine/items", headers=customer, json={"sku": "NECK-ZIRC-PEND", "quantity": 6})
    cart = client.call(
        "PUT", "orders", "/carts/mine/items/RING-STEEL-PEARL", headers=customer, json={"quantity": 12}
    ).json()
    assert cart["items"] == [{"sku": "NECK-ZIRC-PEND", "quantity": 6}, {"sku": "RING-STEEL-PEARL", "quantity": 12}]
    key = {"idempotency-key": secrets.token_hex(8)}
    placed = client.call("POST", "orders", "/carts/mine/checkout", headers={**customer, **key}, json=CHECKOUT)
    again = client.call("POST", "orders", "/carts/mine/checkout", headers={**customer, **key}, json=CHECKOUT)
    assert placed.status_code == again.status_code == 201
    order = placed.json()
    assert again.json()["order_id"] == order["order_id"]
    total = 12 * 450 + 6 * 780
    assert (order["status"], order["total"]["amount_minor"]) == ("PendingPayment", total)
    assert client.call("GET", "orders", "/carts/mine", headers=customer).json()["items"] == []
    path = f"/orders/{order['order_id']}"

    # Inventory reserves through Kafka; then the payment arrives and the order confirms (O4).
    eventually(
        lambda: client.call("GET", "orders", path, headers=customer).json()["stock"] == "reserved",
        what="stock reserved",
    )
    # Payments opened the order's payment from OrderPlaced; the customer pays by Visa (P1).
    eventually(
        lambda: client.call("GET", "payments", f"/payments/{order['order_id']}", headers=customer).status_code == 200,
        what="payment opened",
    )
    card = {"method": "card", "source": "4111 1111 1111 1111"}
    pay = f"/payments/{order['order_id']}/goods/capture"
    amex = client.call(
        "POST",
        "payments",
        pay,
        headers={**customer, "idempotency-key": "amex-" + secrets.token_hex(4)},
        json={"method": "card", "source": "3782 822463 10005"},
    )
    assert (amex.status_code, amex.json()["errors"][0]["rule"]) == (422, "P1")
    paid_key = {"idempotency-key": "visa-" + secrets.token_hex(4)}
    capture = client.call("POST", "payments", pay, headers={**customer, **paid_key}, json=card).json()
    assert (capture["status"], capture["network"], capture["last4"]) == ("captured", "Visa", "1111")
    assert client.call("POST", "payments", pay, headers={**customer, **paid_key}, json=card).json() == capture
    shown = eventually(
        lambda: (o := client.call("GET", "orders", path, headers=customer).json())["status"] == "Confirmed" and o,
        what="order confirmed",
    )
    assert (shown["paid"]["amount_minor"], shown["cancellation_policy_version"]) == (total, "2026-01")

    # O6: one e-mail to the customer, over SMTP, kept by the sink.
    mails = eventually(lambda: mails_for(system, order["order_id"]), what="confirmation e-mail")
    assert len(mails) == 1
    assert mails[0]["To"] == "ana@example.com"
    assert mails[0]["Subject"] == f"You have set up a new order ({order['order_id'][:8]})"
    # ... and ops can see how far the mailer has got (an SMTP outage would show as a growing lag).
    ops = client.token("ops", "ops-1")

    def mailer() -> dict[str, int]:
        positions = client.call("GET", "orders", "/admin/positions", headers=ops).json()
        follower: dict[str, int] = positions["followers"]["confirmation-mail"]
        return follower

    caught_up = eventually(lambda: (m := mailer())["lag"] == 0 and m, what="mailer caught up")
    assert caught_up["position"] > 0  # lag 0: it has handled every notification stored, Confirmed included
    assert (
        'hallmark_follower_lag{follower="confirmation-mail",service="orders"}'
        in client.call("GET", "orders", "/metrics").text
    )

    # O5: the terms at any instant; 7 h after placing, 15 % of 10080 = 1512.
    placed_at = datetime.fromisoformat(order["placed_at"])
    terms = client.call(
        "GET",
        "orders",
        f"{path}/cancellation-terms",
        headers=customer,
        params={"at": (placed_at + timedelta(hours=7)).isoformat()},
    ).json()
    assert (terms["cancellable"], terms["fee"]["amount_minor"], terms["refund"]["amount_minor"]) == (True, 1512, 8568)
    late = client.call(
        "GET",
        "orders",
        f"{path}/cancellation-terms",
        headers=customer,
        params={"at": (placed_at + timedelta(hours=72)).isoformat()},
    ).json()
    assert (late["cancellable"], late["reason"]) == (False, "72 h or more after placing: the package is ready to ship")

    # Cancel now (within 6 h): free, the whole payment back; published for payments and inventory.
    cancelled = client.call("POST", "orders", f"{path}/cancel", headers=customer).json()
    assert (cancelled["fee"]["amount_minor"], cancelled["refund"]["amount_minor"]) == (0, total)
    assert client.call("POST", "orders", f"{path}/cancel", headers=customer).status_code == 409
    topic = f"{system.config.namespace}.orders.events"

    def published() -> list[str]:
        return [
            json.loads(r.value)["event_type"]
            for r in read_all(system.bootstrap, topic)
            if r.key == order["order_id"].encode()
        ]

    assert eventually(lambda: (p := published())[-1:] == ["OrderCancelled"] and p, what="cancellation relayed") == [
        "OrderPlaced",
        "OrderConfirmed",
        "OrderCancelled",
    ]
    # P6: payments refunds the card in full; orders records the refund.
    refunded = eventually(
        lambda: (
            (o := client.call("GET", "orders", path, headers=customer).json())["refunded"]["amount_minor"] == total
            and o
        ),
        what="refund recorded on the order",
    )
    assert refunded["status"] == "Cancelled"
    history = client.call("GET", "orders", f"{path}/history", headers=client.token("auditor", "aud-1")).json()
    assert [e["type"] for e in history] == [
        "Order.Placed",
        "Order.StockReservationRecorded",
        "Order.Confirmed",
        "Order.Cancelled",
        "Order.RefundRecorded",
    ]


def test_P2_a_payment_voucher_uploaded_over_http_confirms_the_order_in_advance(client: SystemClient) -> None:
    customer = client.token("customer", f"cust-{secrets.token_hex(3)}")
    body = {"lines": [{"sku": "NECK-ZIRC-PEND", "quantity": 6}], **CHECKOUT, "payment_method": "bank_transfer"}
    order = eventually(
        lambda: (
            (r := client.call("POST", "orders", "/orders", headers=customer, json=body)).status_code == 201 and r.json()
        ),
        what="order placed",
    )
    path = f"/payments/{order['order_id']}"
    eventually(lambda: client.call("GET", "payments", path, headers=customer).status_code == 200, what="payment")
    refused = client.call(
        "POST",
        "payments",
        f"{path}/voucher",
        headers=customer,
        files={"file": ("proof.txt", b"not a voucher", "text/plain")},
    )
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "file")
    upload = client.call(
        "POST",
        "payments",
        f"{path}/voucher",
        headers=customer,
        files={"file": ("proof.pdf", b"%PDF-1.7 transfer 4680 USD", "application/pdf")},
    )
    assert (
        upload.status_code,
        upload.json()[0]["vouchers"] if isinstance(upload.json(), list) else upload.json()["vouchers"],
    ) == (200, 1)
    confirmed = eventually(
        lambda: (
            (o := client.call("GET", "orders", f"/orders/{order['order_id']}", headers=customer).json())["status"]
            == "Confirmed"
            and o
        ),
        what="order confirmed by the voucher",
    )
    assert (confirmed["payment_method"], confirmed["paid"]["amount_minor"]) == ("bank_transfer", 4680)


def test_P3_a_deposit_that_does_not_cover_the_order_fails_visibly_and_a_top_up_pays_it(client: SystemClient) -> None:
    who = f"cust-{secrets.token_hex(3)}"
    customer, manager = client.token("customer", who), client.token("account_manager", "am-9", (who,))
    body = {"lines": [{"sku": "NECK-ZIRC-PEND", "quantity": 6}], **CHECKOUT, "payment_method": "deposit"}
    order = eventually(
        lambda: (
            (r := client.call("POST", "orders", "/orders", headers=customer, json=body)).status_code == 201 and r.json()
        ),
        what="order placed",
    )
    path = f"/orders/{order['order_id']}"
    # The empty deposit does not cover 6 x 780: payments publishes PaymentFailed, the order shows it.
    failed = eventually(
        lambda: (o := client.call("GET", "orders", path, headers=customer).json())["payment_failures"] and o,
        what="the failure shown on the order",
    )
    assert failed["status"] == "PendingPayment"
    assert failed["payment_failures"][0]["reason"] == "the deposit balance of 0.00 USD does not cover 46.80 USD"
    # The account manager books the customer's wire; the customer pays the order from the deposit.
    credit = {"amount_minor": 5000, "currency": "USD", "reference": f"wire-{who}"}
    assert client.call("POST", "payments", f"/deposits/{who}/credits", headers=manager, json=credit).status_code == 200
    paid = client.call("POST", "payments", f"/payments/{order['order_id']}/goods/deposit", headers=customer)
    assert (paid.status_code, paid.json()["balance"]["amount_minor"]) == (200, 5000 - 4680)
    confirmed = eventually(
        lambda: (o := client.call("GET", "orders", path, headers=customer).json())["status"] == "Confirmed" and o,
        what="order confirmed from the deposit",
    )
    assert (confirmed["payment_method"], confirmed["paid"]["amount_minor"]) == ("deposit", 4680)
    statement = client.call("GET", "payments", "/deposits/mine/history", headers=customer).json()
    assert [(m["kind"], m["balance_after_minor"]) for m in statement] == [
        ("DebitRefused", 0),
        ("Credited", 5000),
        ("Debited", 320),
    ]
