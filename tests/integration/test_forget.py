"""X4 on the whole running system: a customer's order goes through its whole life (card payment,
delivery signed for, an after-sale ticket with a photo and messages), then ops forget them with
`hallmark admin forget`. Orders refuses while the order is open; once forgotten, every service reads
`[erased]` (orders' addresses and e-mail, payments' card last four, shipping's signature, tickets'
texts), the photo is gone, no plaintext of any of it is in any service's database or on any topic
(before or after), amounts and statuses are intact and every log still verifies."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.infra import eventually
from tests.integration.client import SystemClient
from tests.integration.test_full_lifecycle import complete_an_order, payment_of
from tests.kafka_helpers import read_all
from tools.launcher import cli
from tools.launcher.stack import Stack

SERVICES = ("orders", "inventory", "payments", "shipping", "tickets")
CARD = "4000 0000 0000 7387"  # a Visa the sandbox captures; its last four are 7387
LAST4 = re.compile(rb'"last4": ?"\d{4}"')
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def client(system: Stack) -> Iterator[SystemClient]:
    c = SystemClient(system)
    yield c
    c.http.close()


def database_bytes(stack: Stack, service: str) -> bytes:
    """Every value of every table of the service's database: bytea as its bytes, the rest as text."""
    parts = urlsplit(stack.database_url)
    dsn = urlunsplit(parts._replace(path=f"/hallmark_{stack.config.namespace}_{service}"))
    found: list[bytes] = []
    with psycopg.connect(dsn) as conn:
        tables = conn.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        for schema, table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
                found += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    return b"\n".join(found)


def topics_bytes(stack: Stack) -> bytes:
    topics = [f"{stack.config.namespace}.{s}.events" for s in SERVICES]
    return b"\n".join(r.value for t in topics for r in read_all(stack.bootstrap, t))


def leaks(stack: Stack, secrets_: tuple[bytes, ...]) -> list[str]:
    """Where any of `secrets_` (or a card's last four in the clear) is found."""
    found: list[str] = []
    for service in SERVICES:
        data = database_bytes(stack, service)
        found += [f"{service}: {p!r}" for p in secrets_ if p in data]
        found += [f"{service}: last4"] if LAST4.search(data) else []
    topics = topics_bytes(stack)
    return found + [f"topics: {p!r}" for p in secrets_ if p in topics]


def get(client: SystemClient, service: str, path: str, headers: dict[str, str]) -> Any:
    response = client.call("GET", service, path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_X4_forgetting_a_customer_after_a_whole_lifecycle_erases_them_in_every_service_and_on_every_topic(
    client: SystemClient, capsys: pytest.CaptureFixture[str]
) -> None:
    tag = secrets.token_hex(4)
    name, street, email = f"Zoe Quintana {tag}", f"Calle Olvido {tag}", f"zoe.{tag}@example.com"
    signer, complaint, reply = f"Z. Quintana {tag}", f"Two rings cracked {tag}", f"Sorry Zoe {tag}"
    secrets_ = tuple(s.encode() for s in (name, street, email, signer, complaint, reply))
    address = {"name": name, "line1": street, "city": "Madrid", "postal_code": "28013", "country": "ES"}
    checkout = {
        "shipping_address": address,
        "billing_address": address,
        "payment_method": "card",
        "contact_email": email,
    }
    customer_id = f"cust-{tag}"
    customer, ops, auditor = (
        client.token("customer", customer_id),
        client.token("ops", "ops-1"),
        client.token("auditor", "aud-1"),
    )
    stack_name = ["--name", client.stack.config.name]

    order_id = complete_an_order(client, customer, checkout, signed_by=signer, card=CARD)
    claim = {
        "order_id": order_id,
        "kind": "damaged",
        "message": complaint,
        "items": [{"sku": "RING-STEEL-PEARL", "quantity": 2}],
        "photos": [{"filename": "a.png", "content_base64": base64.b64encode(PNG).decode()}],
    }
    opened = client.call("POST", "tickets", "/tickets", headers=customer, json=claim)
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["ticket_id"]
    photo_id = opened.json()["messages"][0]["photos"][0]["photo_id"]
    replied = client.call("POST", "tickets", f"/tickets/{ticket_id}/replies", headers=ops, json={"message": reply})
    assert replied.status_code == 200, replied.text
    shown = client.call("GET", "tickets", f"/tickets/{ticket_id}/photos/{photo_id}", headers=auditor)
    assert (shown.status_code, shown.content) == (200, PNG)
    goods = payment_of(client, customer, order_id, "goods")
    assert goods is not None and goods["captures"][0]["last4"] == "7387"
    assert get(client, "shipping", f"/shipments/{order_id}", customer)["tracking"][-1]["signed_by"] == signer
    assert leaks(client.stack, secrets_) == []  # sealed from the start: in no database, on no topic

    # Orders refuses while an order of the customer is open (here a second one, unpaid), then forgets.
    body = {"lines": [{"sku": "RING-STEEL-PEARL", "quantity": 12}], **checkout, "carrier": "DHL"}
    second = client.call("POST", "orders", "/orders", headers=customer, json=body)
    assert second.status_code == 201, second.text
    assert cli.main([*stack_name, "admin", "forget", customer_id]) == 1
    assert "409" in capsys.readouterr().out
    cancelled = client.call("POST", "orders", f"/orders/{second.json()['order_id']}/cancel", headers=customer)
    assert cancelled.status_code == 200, cancelled.text
    assert cli.main([*stack_name, "admin", "forget", customer_id]) == 0
    assert "forgotten" in capsys.readouterr().out
    assert cli.main([*stack_name, "admin", "forget", customer_id]) == 0  # idempotent
    assert "already forgotten" in capsys.readouterr().out

    # Every service has read CustomerForgotten and destroyed its keys: its readers and replays say [erased].
    order = get(client, "orders", f"/orders/{order_id}", auditor)  # orders destroyed its keys at once
    assert (order["status"], order["paid"]["amount_minor"]) == ("Completed", 12 * 450)
    history = get(client, "orders", f"/orders/{order_id}/history", auditor)
    assert history[0]["data"]["contact_email"] == "[erased]"
    paid = eventually(
        lambda: (p := payment_of(client, auditor, order_id, "goods")) and p["captures"][0]["last4"] == "[erased]" and p,
        what="payments erased",
    )
    assert paid["paid"]["amount_minor"] == 12 * 450
    shipment = eventually(
        lambda: (
            (s := get(client, "shipping", f"/shipments/{order_id}", auditor))["tracking"][-1]["signed_by"] == "[erased]"
            and s
        ),
        what="shipping erased",
    )
    assert (shipment["status"], shipment["quote"]["cost"]["amount_minor"]) == ("received", 1890)
    ticket = eventually(
        lambda: (
            (t := get(client, "tickets", f"/tickets/{ticket_id}", auditor))["messages"][0]["text"] == "[erased]" and t
        ),
        what="tickets erased",
    )
    assert [m["text"] for m in ticket["messages"]] == ["[erased]"] * len(ticket["messages"])
    assert ticket["status"] in ("awaiting_customer", "awaiting_staff")
    assert ticket["messages"][0]["photos"][0]["photo_id"] == photo_id  # the message names it; the row is gone
    gone = client.call("GET", "tickets", f"/tickets/{ticket_id}/photos/{photo_id}", headers=auditor)
    assert gone.status_code == 404
    assert leaks(client.stack, secrets_) == []
    # Each service's history (its events, read back through its keys) shows [erased] and no secret.
    for service, path in [
        ("payments", f"/payments/{order_id}/goods/history"),
        ("shipping", f"/shipments/{order_id}/history"),
        ("tickets", f"/tickets/{ticket_id}/history"),
    ]:
        told = json.dumps(get(client, service, path, auditor))
        assert "[erased]" in told and [p for p in secrets_ if p.decode() in told] == [], service

    def verified() -> list[dict[str, Any]] | None:
        code = cli.main([*stack_name, "audit", "verify", "--json"])
        reports: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
        return reports if code == 0 else None

    reports = eventually(verified, timeout=60, what="every log verifies clean after the forget")
    assert all(r["ok"] for r in reports)
