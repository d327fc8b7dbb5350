"""X4: a customer's addresses and e-mail are sealed under their key in the store, the snapshots and
the published OrderPlaced; forgetting them destroys the key, and replay reads `[erased]` with every
amount and status as it was, while the stored bytes stay the same (the hash chain still holds)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from services.orders.adapters.outbound import translate
from services.orders.api import create_app
from shared.events.shipping import ReceiptConfirmed
from shared.runtime.translate import envelope_for
from tests.unit.orders.scenario import ADDRESS, Scenario

RINGS = [("RING-STEEL-PEARL", 12)]
PLAINTEXT = ("Ana Ruiz", "Calle Mayor", "Madrid", "28013", "Gran Via", "ana@example.com")


def stored_bytes(s: Scenario, order_id: uuid.UUID) -> bytes:
    events = s.app.recorder.select_events(order_id)
    snapshots = s.app.snapshots.recorder.select_events(order_id) if s.app.snapshots else []
    return b"".join(e.state for e in [*events, *snapshots])


def published(s: Scenario, order_id: uuid.UUID) -> bytes:
    found = [(e, out) for e in s.app.domain_events(order_id) if (out := translate(e)) is not None]
    return b"".join(envelope_for("orders", e, out).to_json() for e, out in found)


def completed(s: Scenario) -> uuid.UUID:
    order_id = s.place(RINGS)
    s.reserve(order_id, ("RING-STEEL-PEARL", 12, 12))
    s.pay(order_id, 5400)
    s.picking(order_id, weight=72)
    s.quote_shipping(order_id, 2350)
    s.pay(order_id, 2350, purpose="shipping")
    s.ship_and_deliver(order_id)
    s.feed(ReceiptConfirmed(order_id=str(order_id), customer_id="cust-1", confirmed_at=s.clock.now()))
    return order_id


def test_X4_the_store_the_snapshots_and_the_topic_hold_no_plaintext_address_or_email() -> None:
    s = Scenario()
    order_id = completed(s)
    assert s.app.snapshots is not None
    s.app.take_snapshot(order_id)
    raw = stored_bytes(s, order_id) + published(s, order_id)
    assert [p for p in PLAINTEXT if p.encode() in raw] == []
    assert s.order(order_id).shipping_address == ADDRESS  # the owner reads them back through the key
    assert s.order(order_id).contact_email == "ana@example.com"


def test_X4_forgetting_erases_the_details_keeps_amounts_and_statuses_and_changes_no_stored_byte() -> None:
    s = Scenario()
    order_id = completed(s)
    s.app.take_snapshot(order_id)
    before, history_before = stored_bytes(s, order_id), s.app.history(order_id)
    topic_before = published(s, order_id)
    with TestClient(create_app(s.runtime)) as client:
        refused = client.post("/privacy/customers/cust-1/forget", headers=s.headers("auditor", "aud-1"))
        first = client.post("/privacy/customers/cust-1/forget", headers=s.headers("ops", "ops-1"))
        again = client.post("/privacy/customers/cust-1/forget", headers=s.headers("ops", "ops-2"))
    assert refused.status_code == 403
    assert (first.status_code, first.json()["keys_destroyed"], first.json()["forgotten_by"]) == (200, 1, "ops-1")
    assert (again.status_code, again.json()["keys_destroyed"]) == (200, 0)  # idempotent
    assert again.json()["forgotten_at"] == first.json()["forgotten_at"]
    assert (stored_bytes(s, order_id), published(s, order_id)) == (before, topic_before)

    replayed: Any = s.app.replay_as_of(order_id, None)
    for order in (s.order(order_id), replayed):  # snapshot, and every event
        assert (order.shipping_address, order.billing_address, order.contact_email) == ("[erased]",) * 3
        assert (order.status, order.total_minor, order.paid_minor, order.currency) == ("Completed", 5400, 5400, "USD")
    history = s.app.history(order_id)
    assert history[0]["data"]["contact_email"] == "[erased]"
    assert [h["type"] for h in history] == [h["type"] for h in history_before]
    assert [h["data"] for h in history[1:]] == [h["data"] for h in history_before[1:]]
    placed = next(out for e in s.app.domain_events(order_id) if (out := translate(e)) and out[0] == "OrderPlaced")
    assert placed[1].model_dump()["personal"] is not None
    assert s.app.open_details(placed[1].model_dump()["personal"]) is None  # opens nothing any more


def test_X4_a_customer_with_an_open_order_is_not_forgotten() -> None:
    s = Scenario()
    order_id = s.place(RINGS)
    with TestClient(create_app(s.runtime)) as client:
        refused = client.post("/privacy/customers/cust-1/forget", headers=s.headers("ops", "ops-1"))
    assert refused.status_code == 409
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [("customer_id", "X4")]
    assert s.order(order_id).contact_email == "ana@example.com"  # nothing was destroyed


def test_X4_a_customer_seen_again_after_being_forgotten_gets_a_new_key_and_the_old_details_stay_erased() -> None:
    s = Scenario()
    old = s.place(RINGS)
    s.app.cancel(old)
    assert s.app.forget_customer("cust-1", "ops-1").keys_destroyed == 1
    new = s.place(RINGS)
    assert (s.order(old).contact_email, s.order(new).contact_email) == ("[erased]", "ana@example.com")
