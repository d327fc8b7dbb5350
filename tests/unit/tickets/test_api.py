"""The tickets HTTP API on in-memory storage: who may do what (X2), bad input named by field and rule
with nothing stored (X3), T1 over HTTP, the staff queue by reply deadline (T3), refunds shown (T5),
photos, and the auditors' history and replay."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.tickets.adapters.references import tagged
from services.tickets.api import create_app
from shared.runtime.identity import mint
from tests.unit.tickets.scenario import FRIDAY_AFTERNOON, MONDAY, PENDANT, RING, SECOND, Scenario, days, jpeg, png


@pytest.fixture
def s() -> Scenario:
    return Scenario()


@pytest.fixture
def client(s: Scenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def token(s: Scenario, role: str, subject: str, *customers: str) -> dict[str, str]:
    platform = s.runtime.settings.platform
    return {
        "authorization": f"Bearer {mint(platform.jwt_secret, platform.jwt_issuer, role, subject, customers=customers)}"
    }


def problem(response: Any) -> tuple[int, str, str]:
    details = response.json()["errors"]
    assert len(details) == 1, details
    return response.status_code, details[0]["field"], details[0]["rule"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def opening(order_id: str, kind: str = "damaged", **extra: Any) -> dict[str, Any]:
    return {"order_id": order_id, "kind": kind, "message": "two pendants arrived bent", **extra}


def test_T1_opening_before_receipt_is_409_naming_T1_and_after_it_201(s: Scenario, client: TestClient) -> None:
    cust = token(s, "customer", "cust-1")
    order_id = s.place()
    s.deliver(order_id)
    refused = client.post("/tickets", json=opening(order_id), headers=cust)
    assert problem(refused) == (409, "order_id", "T1")
    s.confirm_receipt(order_id)
    opened = client.post("/tickets", json=opening(order_id, items=[{"sku": PENDANT, "quantity": 2}]), headers=cust)
    assert opened.status_code == 201
    body = opened.json()
    assert (body["status"], body["kind"], body["items"]) == (
        "awaiting_staff",
        "damaged",
        [{"sku": PENDANT, "quantity": 2}],
    )
    assert (body["opened_at"], body["reply_due_at"], body["auto_close_at"]) == (
        "2026-03-09T09:00:00Z",
        "2026-03-11T09:00:00Z",
        None,
    )


def test_T2_late_damage_claims_are_refused_over_http_with_the_deadline(s: Scenario, client: TestClient) -> None:
    order_id = s.received()
    s.at(MONDAY + days(7) + SECOND)
    refused = client.post("/tickets", json=opening(order_id), headers=token(s, "customer", "cust-1"))
    assert problem(refused) == (409, "kind", "T2")
    assert "the deadline was 2026-03-16T09:00:00+00:00" in refused.json()["errors"][0]["message"]


def test_X2_customer_b_never_sees_or_touches_customer_a_tickets(s: Scenario, client: TestClient) -> None:
    a, b = token(s, "customer", "cust-a"), token(s, "customer", "cust-b")
    order_id = s.received("cust-a")
    ticket = client.post("/tickets", json=opening(order_id, photos=[{"content_base64": b64(png())}]), headers=a).json()
    photo_id = ticket["messages"][0]["photos"][0]["photo_id"]
    tid = ticket["ticket_id"]
    assert problem(client.get(f"/tickets/{tid}", headers=b)) == (403, "ticket_id", "X2")
    assert problem(client.post(f"/tickets/{tid}/messages", json={"message": "mine?"}, headers=b)) == (
        403,
        "ticket_id",
        "X2",
    )
    assert problem(client.get(f"/tickets/{tid}/photos/{photo_id}", headers=b)) == (403, "ticket_id", "X2")
    assert problem(client.post("/tickets", json=opening(order_id), headers=b)) == (403, "order_id", "X2")
    assert client.get("/tickets", headers=b).json() == []
    assert [t["ticket_id"] for t in client.get("/tickets", headers=a).json()] == [tid]
    assert client.get(f"/tickets/{tid}/photos/{photo_id}", headers=a).content == png()


def test_X2_staff_are_the_customers_account_manager_or_ops(s: Scenario, client: TestClient) -> None:
    order_id = s.received("cust-1")
    tid = client.post("/tickets", json=opening(order_id), headers=token(s, "customer", "cust-1")).json()["ticket_id"]
    reply = {"message": "we are sorry; a refund?"}
    others_manager = token(s, "account_manager", "am-2", "cust-9")
    assert problem(client.post(f"/tickets/{tid}/replies", json=reply, headers=others_manager)) == (
        403,
        "ticket_id",
        "X2",
    )
    assert client.get("/tickets", headers=others_manager).json() == []
    for role in ("customer", "auditor"):
        assert client.post(f"/tickets/{tid}/replies", json=reply, headers=token(s, role, "cust-1")).status_code == 403
    manager = token(s, "account_manager", "am-1", "cust-1")
    replied = client.post(f"/tickets/{tid}/replies", json=reply, headers=manager)
    assert replied.status_code == 200
    assert (replied.json()["status"], replied.json()["auto_close_at"]) == ("awaiting_customer", "2026-03-16T09:00:00Z")
    assert [m["role"] for m in replied.json()["messages"]] == ["customer", "staff"]
    resolution = {"outcome": "no_action", "reason": "the customer agreed it is as described"}
    assert client.post(f"/tickets/{tid}/resolution", json=resolution, headers=others_manager).status_code == 403
    ops = token(s, "ops", "ops-1")
    resolved = client.post(f"/tickets/{tid}/resolution", json=resolution, headers=ops)
    assert resolved.json()["resolution"] == {
        **resolution,
        "resolved_by": "ops-1",
        "resolved_at": "2026-03-09T09:00:00Z",
    }
    assert problem(client.post(f"/tickets/{tid}/replies", json=reply, headers=ops)) == (409, "status", "T5")


def test_T3_the_staff_queue_is_ordered_by_reply_deadline_and_ops_see_breaches(s: Scenario, client: TestClient) -> None:
    order_1, order_2 = s.received("cust-1"), s.received("cust-2")
    cust_1, cust_2 = token(s, "customer", "cust-1"), token(s, "customer", "cust-2")
    ops = token(s, "ops", "ops-1")
    s.at(MONDAY + days(2))  # Wednesday 09:00: due Friday 09:00, but staff answer at once
    answered = client.post("/tickets", json=opening(order_1, "other"), headers=cust_1).json()["ticket_id"]
    client.post(f"/tickets/{answered}/replies", json={"message": "done"}, headers=ops)
    s.at(MONDAY + days(3))  # Thursday 09:00: due Monday 09:00
    early = client.post("/tickets", json=opening(order_2, "shortage"), headers=cust_2).json()["ticket_id"]
    s.at(FRIDAY_AFTERNOON)  # due Tuesday 15:00
    late = client.post("/tickets", json=opening(order_1, "shortage"), headers=cust_1).json()["ticket_id"]
    queue = client.get("/staff/queue", headers=ops).json()
    assert [t["ticket_id"] for t in queue] == [early, late, answered]
    manager = token(s, "account_manager", "am-1", "cust-1")
    assert [t["ticket_id"] for t in client.get("/staff/queue", headers=manager).json()] == [late, answered]
    # Monday 09:00 passes without a reply to `early`
    s.at(MONDAY + days(7))
    s.fire_due()
    assert [t["ticket_id"] for t in client.get("/staff/queue?breached=true", headers=ops).json()] == [early]
    breaches = client.get("/admin/sla-breaches", headers=token(s, "auditor", "aud-1")).json()
    assert breaches == [
        {
            "ticket_id": early,
            "order_id": order_2,
            "customer_id": "cust-2",
            "status": "awaiting_staff",
            "message_number": 1,
            "message_at": "2026-03-12T09:00:00Z",
            "due_at": "2026-03-16T09:00:00Z",
            "breached_at": "2026-03-16T09:00:00Z",
        }
    ]
    assert client.get("/admin/sla-breaches", headers=cust_2).status_code == 403
    assert client.get("/staff/queue", headers=cust_2).status_code == 403


def test_T5_a_refund_resolution_shows_the_requests_and_then_the_refunds(s: Scenario, client: TestClient) -> None:
    order_id = s.received(shipping=1000)
    items = [{"sku": RING, "quantity": 2}]
    body = opening(order_id, "shortage", items=items)
    tid = client.post("/tickets", json=body, headers=token(s, "customer", "cust-1")).json()["ticket_id"]
    manager = token(s, "account_manager", "am-1", "cust-1")
    resolution = {"outcome": "refund", "reason": "two rings short"}
    refunds = client.post(f"/tickets/{tid}/resolution", json=resolution, headers=manager).json()["refunds"]
    assert [(r["purpose"], r["requested"]["amount_minor"], r["status"]) for r in refunds] == [
        ("goods", 900, "requested"),
        ("shipping", 83, "requested"),  # 1000 x 12 g / 144 g
    ]
    for refund in refunds:
        s.refund_issued(order_id, refund["requested"]["amount_minor"], tagged(refund["reason"], refund["refund_id"]))
    shown = client.get(f"/tickets/{tid}", headers=token(s, "customer", "cust-1")).json()["refunds"]
    assert [(r["issued"]["amount_minor"], r["status"]) for r in shown] == [(900, "issued"), (83, "issued")]


def test_auditors_read_the_history_and_the_ticket_as_of_an_instant(s: Scenario, client: TestClient) -> None:
    order_id = s.received()
    cust = token(s, "customer", "cust-1")
    tid = client.post("/tickets", json=opening(order_id), headers=cust).json()["ticket_id"]
    s.at(MONDAY + days(1))
    client.post(f"/tickets/{tid}/replies", json={"message": "photo please"}, headers=token(s, "ops", "ops-1"))
    auditor = token(s, "auditor", "aud-1")
    history = client.get(f"/tickets/{tid}/history", headers=auditor).json()
    assert [(e["event_type"], e["schema_version"], e["type"], e["timestamp"]) for e in history] == [
        ("TicketOpened", 1, "Ticket.Opened", "2026-03-09T09:00:00+00:00"),
        ("Ticket.StaffReplied", None, "Ticket.StaffReplied", "2026-03-10T09:00:00+00:00"),
    ]
    assert history[0]["payload"]["ticket_id"] == tid
    before = client.get(f"/tickets/{tid}", params={"as_of": "2026-03-09T12:00:00Z"}, headers=auditor).json()
    assert (before["status"], len(before["messages"])) == ("awaiting_staff", 1)
    assert client.get(f"/tickets/{tid}", params={"as_of": "2026-03-09T12:00:00Z"}, headers=cust).status_code == 403
    assert client.get(f"/tickets/{tid}/history", headers=cust).status_code == 403
    naive = client.get(f"/tickets/{tid}", params={"as_of": "2026-03-09T12:00:00"}, headers=auditor)
    assert problem(naive) == (422, "as_of", "X3")
    assert client.post(f"/tickets/{tid}/messages", json={"message": "x"}, headers=auditor).status_code == 403


def test_photos_are_typed_by_their_bytes_over_http(s: Scenario, client: TestClient) -> None:
    cust = token(s, "customer", "cust-1")
    order_id = s.received()
    photos = [{"filename": "scratch.png", "content_base64": b64(jpeg())}]
    ticket = client.post("/tickets", json=opening(order_id, photos=photos), headers=cust).json()
    photo = ticket["messages"][0]["photos"][0]
    assert (photo["content_type"], photo["size"]) == ("image/jpeg", len(jpeg()))
    fetched = client.get(f"/tickets/{ticket['ticket_id']}/photos/{photo['photo_id']}", headers=cust)
    assert (fetched.headers["content-type"], fetched.content) == ("image/jpeg", jpeg())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kind": "lost"}, (422, "kind", "literal_error")),
        ({"message": ""}, (422, "message", "string_too_short")),
        ({"colour": "red"}, (422, "colour", "extra_forbidden")),
        ({"items": [{"sku": RING, "quantity": 0}]}, (422, "items.0.quantity", "greater_than")),
        ({"items": [{"sku": RING, "quantity": 1}] * 2}, (422, "items", "value_error")),
        ({"items": [{"sku": "NO-SUCH", "quantity": 1}]}, (422, "items.0.sku", "X3")),
        ({"photos": [{"content_base64": "not base64!"}]}, (422, "photos.0.content_base64", "value_error")),
        ({"photos": [{"content_base64": b64(b"%PDF-1.7 named photo.jpg")}]}, (422, "photos.0", "X3")),
    ],
)
def test_X3_bad_openings_name_the_field_and_rule_and_store_nothing(
    s: Scenario, client: TestClient, body: dict[str, Any], expected: tuple[int, str, str]
) -> None:
    order_id = s.received()
    before = s.app.max_notification_id()
    response = client.post("/tickets", json=opening(order_id, **body), headers=token(s, "customer", "cust-1"))
    assert problem(response) == expected
    assert (s.app.max_notification_id(), s.photos.count()) == (before, 0)


def test_X3_a_refused_reply_photo_stores_nothing(s: Scenario, client: TestClient) -> None:
    order_id = s.received()
    tid = client.post("/tickets", json=opening(order_id), headers=token(s, "customer", "cust-1")).json()["ticket_id"]
    before = s.app.max_notification_id()
    body = {"message": "see attached", "photos": [{"content_base64": b64(b"GIF89a" + bytes(30))}]}
    refused = client.post(f"/tickets/{tid}/replies", json=body, headers=token(s, "ops", "ops-1"))
    assert problem(refused) == (422, "photos.0", "X3")
    assert (s.app.max_notification_id(), s.photos.count()) == (before, 0)
    bad_outcome = client.post(
        f"/tickets/{tid}/resolution", json={"outcome": "apology", "reason": "sorry"}, headers=token(s, "ops", "o")
    )
    assert problem(bad_outcome) == (422, "outcome", "literal_error")
    assert problem(client.get("/tickets/not-a-uuid", headers=token(s, "ops", "o"))) == (
        422,
        "ticket_id",
        "uuid_parsing",
    )


def test_an_idempotency_key_makes_a_retried_opening_one_ticket(s: Scenario, client: TestClient) -> None:
    order_id = s.received()
    headers = {**token(s, "customer", "cust-1"), "idempotency-key": "open-1"}
    first = client.post("/tickets", json=opening(order_id), headers=headers)
    again = client.post("/tickets", json=opening(order_id), headers=headers)
    assert first.json()["ticket_id"] == again.json()["ticket_id"]
    assert len(client.get("/tickets", headers=headers).json()) == 1
