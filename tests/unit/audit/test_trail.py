"""An order's trail: merged by time (a cause before its effect at the same instant), each event linked to
its cause, and the gaps: an effect with no cause, a cause with no expected effect after the SLA."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.runtime.audit.trail import entries, gaps, merge

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SLA = timedelta(minutes=5)


def envelope(event_id: str, event_type: str, at: timedelta, cause: str | None = None, **payload: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": event_type,
        "schema_version": 1,
        "aggregate_id": "o-1",
        "aggregate_version": 1,
        "order_id": "o-1",
        "occurred_at": (T0 + at).isoformat(),
        "correlation_id": "req-1",
        "causation_id": cause,
        "payload": payload,
    }


def body(service: str, *events: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    return entries(service, json.dumps({"service": service, "relay_lag": 0, "events": list(events)}).encode())


def lifecycle() -> list[dict[str, Any]]:
    orders, _ = body(
        "orders",
        envelope("e1", "OrderPlaced", timedelta(0)),
        envelope("e4", "OrderConfirmed", timedelta(seconds=30), cause="e3"),
    )
    inventory, _ = body("inventory", envelope("e2", "StockReserved", timedelta(0), cause="e1"))
    payments, _ = body("payments", envelope("e3", "PaymentCaptured", timedelta(seconds=30), purpose="goods"))
    return merge(payments + inventory + orders)


def test_events_of_all_services_are_merged_by_time_causes_first_and_linked_to_their_cause() -> None:
    trail = lifecycle()
    assert [(e["service"], e["event_type"]) for e in trail] == [
        ("orders", "OrderPlaced"),
        ("inventory", "StockReserved"),
        ("payments", "PaymentCaptured"),
        ("orders", "OrderConfirmed"),
    ]
    assert trail[1]["caused_by"] == {"service": "orders", "event_type": "OrderPlaced"}
    assert trail[3]["caused_by"] == {"service": "payments", "event_type": "PaymentCaptured"}
    assert gaps(trail, T0 + timedelta(hours=1), SLA) == []


def test_an_effect_without_its_cause_and_a_cause_without_its_effect_after_the_sla_are_gaps() -> None:
    trail = [e for e in lifecycle() if e["event_type"] != "PaymentCaptured"]  # the capture is missing
    trail += merge(body("payments", envelope("e5", "PaymentCaptured", timedelta(minutes=1), purpose="goods"))[0])
    found = gaps(trail, T0 + timedelta(minutes=7), SLA)
    assert [(g["kind"], g["event_type"]) for g in found] == [
        ("missing_cause", "OrderConfirmed"),
        ("missing_effect", "PaymentCaptured"),
    ]
    assert found[1]["expected"] == ["OrderConfirmed"]
    # Within the SLA the capture may still be on its way; a shipping payment confirms nothing.
    assert [g["kind"] for g in gaps(trail, T0 + timedelta(minutes=5), SLA)] == ["missing_cause"]
    shipping = merge(body("payments", envelope("e6", "PaymentCaptured", timedelta(0), purpose="shipping"))[0])
    assert gaps(shipping, T0 + timedelta(days=1), SLA) == []
