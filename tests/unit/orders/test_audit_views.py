"""Auditors' views of an order on in-memory storage: replay as of an instant under the published event
names (O4), the terms at an instant with the events behind each figure (O5), auditors and ops only (X2)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from services.orders.api import create_app
from tests.unit.orders.scenario import T0, Scenario

H = timedelta(hours=1)


def reduced_order(s: Scenario):
    """20 rings paid (9000) 1 h after placing; 8 found short 10 h after placing (12 remain: 5400)."""
    order_id = s.place([("RING-STEEL-PEARL", 20)])
    s.at(H)
    s.pay(order_id, 9000)
    s.at(10 * H)
    s.shortfall(order_id, ("RING-STEEL-PEARL", 20, 8))
    return order_id


def test_O4_replay_shows_the_order_as_of_an_instant_built_from_events_under_their_published_names() -> None:
    s = Scenario()
    order_id = reduced_order(s)
    auditor = s.headers("auditor", "aud-1")
    with TestClient(create_app(s.runtime)) as client:
        now = client.get(f"/audit/aggregates/{order_id}", headers=auditor).json()
        admin_history = client.get(f"/admin/history/{order_id}", headers=auditor).json()
        order_history = client.get(f"/orders/{order_id}/history", headers=auditor).json()
        before_paying = client.get(
            f"/audit/aggregates/{order_id}", params={"as_of": (T0 + H / 2).isoformat()}, headers=auditor
        ).json()
    assert (now["type"], now["state"]["status"], now["state"]["paid_minor"]) == ("Order", "Confirmed", 9000)
    published = [(e["event_type"], e["schema_version"]) for e in now["events"] if e["published"]]
    assert published == [("OrderPlaced", 3), ("OrderConfirmed", 1), ("OrderItemsReduced", 1)]
    reduced = next(e for e in now["events"] if e["event_type"] == "OrderItemsReduced")
    assert reduced["internal_type"] == "Order.ItemsReduced"
    assert (reduced["payload"]["new_total"]["amount_minor"], reduced["payload"]["refund"]["amount_minor"]) == (
        5400,
        3600,
    )
    assert [e["event_type"] for e in now["events"] if not e["published"]] == []  # every order event here leaves
    # /admin/history and /orders/{id}/history name them the same way, and keep the stored name as `type`.
    for history in (admin_history, order_history):
        assert [(e["event_type"], e["schema_version"], e["type"]) for e in history] == [
            ("OrderPlaced", 3, "Order.Placed"),
            ("OrderConfirmed", 1, "Order.Confirmed"),
            ("OrderItemsReduced", 1, "Order.ItemsReduced"),
        ]
    assert before_paying["state"]["status"] == "PendingPayment"
    assert [e["event_type"] for e in before_paying["events"]] == ["OrderPlaced"]


def test_O5_terms_at_an_instant_cite_the_events_behind_each_figure_and_the_policy_parameters() -> None:
    s = Scenario()
    order_id = reduced_order(s)
    with TestClient(create_app(s.runtime)) as client:
        body = client.get(
            f"/audit/orders/{order_id}/terms",
            params={"at": (T0 + 11 * H).isoformat()},
            headers=s.headers("auditor", "aud-1"),
        ).json()
    terms = body["terms"]
    # 11 h after placing, Confirmed: 15 % of the total after the shortfall (5400) = 810; 5400 paid net.
    assert (terms["status"], terms["cancellable"], terms["fee"]["amount_minor"], terms["refund"]["amount_minor"]) == (
        "Confirmed",
        True,
        810,
        4590,
    )
    assert body["policy"] == {
        "version": "2026-01",
        "free_for_hours": 6.0,
        "refused_after_hours": 72.0,
        "fee_percent": "15",
    }
    cited = {figure: [e["event_type"] for e in events] for figure, events in body["justification"].items()}
    assert cited["placed_at"] == ["OrderPlaced"]
    assert cited["confirmed_at"] == ["OrderConfirmed"]
    assert cited["total"] == ["OrderPlaced", "OrderItemsReduced"]
    assert cited["paid"] == ["OrderConfirmed", "OrderItemsReduced"]
    assert cited["policy"] == ["OrderConfirmed"]
    assert body["justification"]["confirmed_at"][0]["occurred_at"] == (T0 + H).isoformat()


def test_X2_audit_views_are_read_only_and_for_auditors_and_ops() -> None:
    s = Scenario()
    order_id = reduced_order(s)
    paths = [
        f"/audit/aggregates/{order_id}",
        f"/audit/orders/{order_id}/terms?at={(T0 + H).isoformat()}",
        f"/audit/orders/{order_id}/trail",
        "/audit/verify",
        "/audit/log",
        "/audit/log/summary",
        f"/audit/orders/{order_id}/events",
        f"/audit/orders/{order_id}/timeline",
    ]
    api = create_app(s.runtime)
    audit_paths = {p: set(ops) for p, ops in api.openapi()["paths"].items() if p.startswith("/audit")}
    with TestClient(api) as client:
        for path in paths:
            assert client.get(path).status_code == 401, path
            assert client.get(path, headers=s.headers("customer", "cust-1")).status_code == 403, path
            assert client.get(path, headers=s.headers("account_manager", "am-1")).status_code == 403, path
        ops = client.get(f"/audit/aggregates/{order_id}", headers=s.headers("ops", "ops-1"))
        # An in-memory store keeps no published log: nothing to verify or export.
        assert client.get("/audit/verify", headers=s.headers("auditor", "a")).status_code == 409
    assert ops.status_code == 200
    assert len(audit_paths) == 8 and all(methods == {"get"} for methods in audit_paths.values())
