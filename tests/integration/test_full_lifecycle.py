"""One order through its whole life with real processes, over HTTP and the real broker:
placed -> reserved -> paid -> Processing -> picked -> quoted (mail) -> shipping paid -> dispatched ->
customs hold -> cleared -> delivered -> receipt -> Completed; then after-sale tickets on it: a damage
claim refunded to the card, and a ticket that closes itself 7 days after a staff reply (TicketAutoClosed).

This module runs its own system (`own_clock_system`) because it moves the clock 7 days ahead."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest

from tests.infra import eventually
from tests.integration.client import SystemClient
from tests.integration.test_walking_skeleton import CHECKOUT
from tests.kafka_helpers import read_all
from tools.launcher.stack import Stack

RINGS = 12  # RING-STEEL-PEARL: 450 each, MOQ 12
PARCEL_GRAMS = 720
DHL_ZONE_1_UP_TO_1_KG = 1890  # services/shipping/tariffs/2026-01.json: DHL, Z1 (ES), band up to 1,000 g


@pytest.fixture(scope="module")
def client(own_clock_system: Stack) -> Iterator[SystemClient]:
    c = SystemClient(own_clock_system)
    yield c
    c.http.close()


def order_of(client: SystemClient, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    response = client.call("GET", "orders", f"/orders/{order_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def reaches(client: SystemClient, headers: dict[str, str], order_id: str, status: str) -> dict[str, Any]:
    return eventually(
        lambda: (o := order_of(client, headers, order_id))["status"] == status and o, what=f"order {status}"
    )


def payment_of(client: SystemClient, headers: dict[str, str], order_id: str, purpose: str) -> dict[str, Any] | None:
    response = client.call("GET", "payments", f"/payments/{order_id}", headers=headers)
    if response.status_code != 200:
        return None
    return next((p for p in response.json() if p["purpose"] == purpose), None)


def pay_by_card(
    client: SystemClient, headers: dict[str, str], order_id: str, purpose: str, number: str = "4111 1111 1111 1111"
) -> dict[str, Any]:
    eventually(lambda: payment_of(client, headers, order_id, purpose), what=f"{purpose} payment opened")
    card = {"method": "card", "source": number}
    key = {"idempotency-key": f"{purpose}-{secrets.token_hex(4)}"}
    response = client.call(
        "POST", "payments", f"/payments/{order_id}/{purpose}/capture", headers={**headers, **key}, json=card
    )
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def track(client: SystemClient, tracking_number: str, status: str, **extra: str) -> None:
    """The sandbox carrier sends shipping a signed update, as DHL would (S3)."""
    url = f"http://127.0.0.1:{client.stack.config.ports.carrier}/v1/parcels/{tracking_number}/events"
    answer = client.http.post(url, json={"status": status, **extra})
    assert answer.status_code == 200, answer.text
    assert answer.json()["shipping_status"] == 200, answer.json()


def quote_mail(stack: Stack, order_id: str) -> list[Any]:
    found = []
    for path in sorted(stack.mail_dir.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["Message-ID"] == f"<shipping-quoted.{order_id}@hallmark>":
            found.append(message)
    return found


def complete_an_order(
    client: SystemClient,
    customer: dict[str, str],
    checkout: dict[str, Any] | None = None,
    signed_by: str = "A. Ruiz",
    card: str = "4111 1111 1111 1111",
) -> str:
    """Drive one order from checkout to Completed (with these checkout details, signed for by
    `signed_by`, paid with `card`); return its id."""
    ops = client.token("ops", "ops-1")
    details = checkout or CHECKOUT
    body = {"lines": [{"sku": "RING-STEEL-PEARL", "quantity": RINGS}], **details, "carrier": "DHL"}
    placed = eventually(
        lambda: (r := client.call("POST", "orders", "/orders", headers=customer, json=body)).status_code == 201 and r,
        what="order accepted (catalogue and carrier coverage known to orders)",
    )
    order_id: str = placed.json()["order_id"]
    eventually(lambda: order_of(client, customer, order_id)["stock"] == "reserved", what="stock reserved")
    pay_by_card(client, customer, order_id, "goods", card)
    reaches(client, customer, order_id, "Confirmed")
    # I4: the warehouse picks; the parcel weighs 720 g.
    eventually(  # 409 until inventory has seen the confirmation (it crosses Kafka)
        lambda: client.call("POST", "inventory", f"/picking/{order_id}/start", headers=ops).status_code == 200,
        what="picking started",
    )
    reaches(client, customer, order_id, "Processing")
    finished = client.call(
        "POST", "inventory", f"/picking/{order_id}/finish", headers=ops, json={"weight_grams": PARCEL_GRAMS}
    )
    assert finished.status_code == 200, finished.text
    # S1: shipping quotes DHL's tariff for 720 g to Spain, no markup; the order awaits the shipping payment.
    reaches(client, customer, order_id, "AwaitingShippingPayment")
    shipment = client.call("GET", "shipping", f"/shipments/{order_id}", headers=customer).json()
    assert shipment["quote"]["cost"] == {"amount_minor": DHL_ZONE_1_UP_TO_1_KG, "currency": "USD"}
    assert shipment["quote"]["tariff_version"] == "2026-01"
    mails = eventually(lambda: quote_mail(client.stack, order_id), what="quote e-mail")
    assert len(mails) == 1 and mails[0]["To"] == details["contact_email"]
    # S2: dispatch is refused until the shipping is paid (P7), then gives a DHL tracking number.
    early = client.call("POST", "shipping", f"/shipments/{order_id}/dispatch", headers=ops)
    assert (early.status_code, early.json()["errors"][0]["rule"]) == (409, "S2")
    pay_by_card(client, customer, order_id, "shipping", card)
    dispatched = eventually(
        lambda: (
            (r := client.call("POST", "shipping", f"/shipments/{order_id}/dispatch", headers=ops)).status_code == 200
            and r.json()
        ),
        what="dispatch once the shipping payment reached shipping",
    )
    tracking_number: str = dispatched["tracking_number"]
    assert tracking_number.startswith("JD")
    reaches(client, customer, order_id, "Shipped")
    # S3: the carrier reports; customs holds the parcel, then clears it; it is signed for.
    track(client, tracking_number, "in_transit", location="Leipzig")
    track(client, tracking_number, "held_at_customs", location="Madrid")
    track(client, tracking_number, "cleared", location="Madrid")
    track(client, tracking_number, "out_for_delivery", location="Madrid")
    track(client, tracking_number, "delivered", signed_by=signed_by)
    reaches(client, customer, order_id, "Delivered")
    # S4: the customer confirms receipt; the order is Completed.
    receipt = client.call("POST", "shipping", f"/shipments/{order_id}/receipt", headers=customer)
    assert receipt.status_code == 200, receipt.text
    reaches(client, customer, order_id, "Completed")
    return order_id


def test_O4_S1_S2_S3_S4_P7_an_order_goes_from_checkout_to_completed(client: SystemClient) -> None:
    customer = client.token("customer", f"cust-{secrets.token_hex(3)}")
    order_id = complete_an_order(client, customer)
    order = order_of(client, customer, order_id)
    assert order["paid"]["amount_minor"] == RINGS * 450
    # O4: the status comes from replaying the order's history, each step an event.
    auditor = client.token("auditor", "aud-1")
    history = client.call("GET", "orders", f"/orders/{order_id}/history", headers=auditor).json()
    steps = [e["type"].split(".")[-1] for e in history]
    expected = [
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
    assert [s for s in steps if s in expected] == expected
    shipment = client.call("GET", "shipping", f"/shipments/{order_id}", headers=customer).json()
    assert shipment["status"] == "received"
    assert [u["status"] for u in shipment["tracking"]] == [
        "in_transit",
        "held_at_customs",
        "cleared",
        "out_for_delivery",
        "delivered",
    ]
    # Every hop reached the topics once, under the published names.
    published = [
        json.loads(r.value)
        for r in read_all(client.stack.bootstrap, f"{client.stack.config.namespace}.shipping.events")
    ]
    mine = [e["event_type"] for e in published if e.get("order_id") == order_id]
    assert mine == ["ShippingQuoted", "ParcelDispatched", "ParcelDelivered", "ReceiptConfirmed"]


def test_T1_T2_T5_P6_a_damage_claim_is_refunded_to_the_card(client: SystemClient) -> None:
    name = f"cust-{secrets.token_hex(3)}"
    customer = client.token("customer", name)
    manager = client.token("account_manager", "am-1", customers=(name,))
    order_id = complete_an_order(client, customer)
    # T1/T2: the customer opens a damage claim on two rings, within 7 days of signing.
    claim = {
        "order_id": order_id,
        "kind": "damaged",
        "message": "Two rings arrived with cracked pearls.",
        "items": [{"sku": "RING-STEEL-PEARL", "quantity": 2}],
    }
    opened = client.call("POST", "tickets", "/tickets", headers=customer, json=claim)
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["ticket_id"]
    # X2: another customer never sees it.
    stranger = client.token("customer", "cust-stranger")
    assert client.call("GET", "tickets", f"/tickets/{ticket_id}", headers=stranger).status_code in (403, 404)
    # T3/T5: the account manager replies, then resolves with a refund of the two rings (2 x 450).
    reply = {"message": "Sorry about that: we refund both rings."}
    assert (
        client.call("POST", "tickets", f"/tickets/{ticket_id}/replies", headers=manager, json=reply).status_code == 200
    )
    resolution = {"outcome": "refund", "reason": "damaged in transit"}
    resolved = client.call("POST", "tickets", f"/tickets/{ticket_id}/resolution", headers=manager, json=resolution)
    assert resolved.status_code == 200, resolved.text
    # P6: payments refunds the card once; the ticket shows the refund issued.
    ticket = eventually(
        lambda: (
            (t := client.call("GET", "tickets", f"/tickets/{ticket_id}", headers=customer).json())["refunds"]
            and all(r["status"] == "issued" for r in t["refunds"])
            and t
        ),
        what="refund issued",
    )
    assert [(r["purpose"], r["issued"]["amount_minor"]) for r in ticket["refunds"]] == [("goods", 2 * 450)]
    goods = payment_of(client, customer, order_id, "goods")
    assert goods is not None and goods["refunded"]["amount_minor"] == 2 * 450


def test_T4_a_ticket_closes_itself_7_days_after_a_staff_reply(client: SystemClient) -> None:
    name = f"cust-{secrets.token_hex(3)}"
    customer = client.token("customer", name)
    ops = client.token("ops", "ops-1")
    order_id = complete_an_order(client, customer)
    body = {"order_id": order_id, "kind": "other", "message": "Can I get the invoice as PDF?"}
    ticket_id = client.call("POST", "tickets", "/tickets", headers=customer, json=body).json()["ticket_id"]
    replied = client.call("POST", "tickets", f"/tickets/{ticket_id}/replies", headers=ops, json={"message": "Sent."})
    assert replied.json()["status"] == "awaiting_customer"
    # X1: the durable timer fires once the (shared, manual) clock has passed reply + 7 days.
    week = 7 * 24 * 3600 + 60
    assert (
        client.call("POST", "tickets", "/admin/clock/advance", headers=ops, json={"seconds": week}).status_code == 200
    )
    closed = eventually(
        lambda: (
            (t := client.call("GET", "tickets", f"/tickets/{ticket_id}", headers=customer).json())["status"]
            == "auto_closed"
            and t
        ),
        what="ticket auto-closed",
    )
    assert closed["closed_at"] is not None
    topic = f"{client.stack.config.namespace}.tickets.events"
    published = eventually(
        lambda: [
            e
            for e in (json.loads(r.value) for r in read_all(client.stack.bootstrap, topic))
            if e["event_type"] == "TicketAutoClosed" and e["aggregate_id"] == ticket_id
        ],
        what="TicketAutoClosed on tickets.events",
    )
    assert len(published) == 1
