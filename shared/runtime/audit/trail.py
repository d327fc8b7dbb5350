"""One order's trail across the services: every event each service published about it (read from
their audit APIs, never their databases), merged by time, each linked to the event that caused it, and
the gaps: an effect whose cause is not in the trail, a cause with no expected effect after its SLA."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Expectation:
    """When `cause` is published (and `applies` to its payload), one of `effects` must follow, caused by it."""

    cause: str
    effects: tuple[str, ...]
    applies: Callable[[dict[str, Any]], bool] = lambda _: True


def _goods(payload: dict[str, Any]) -> bool:
    return payload.get("purpose", "goods") == "goods"


def _refund_owed(payload: dict[str, Any]) -> bool:
    refund = payload.get("refund") or {}
    return int(refund.get("amount_minor", 0)) > 0


EXPECTATIONS: tuple[Expectation, ...] = (
    Expectation("OrderPlaced", ("StockReserved",)),
    Expectation("PaymentCaptured", ("OrderConfirmed",), _goods),
    Expectation("PaymentVoucherReceived", ("OrderConfirmed",), _goods),
    Expectation("DepositDebited", ("OrderConfirmed",), _goods),
    Expectation("GoodsPrepared", ("ShippingQuoted", "ShippingQuoteRefused")),
    Expectation("OrderCancelled", ("RefundIssued", "RefundRefused"), _refund_owed),
    Expectation("OrderRefundDue", ("RefundIssued", "RefundRefused")),
    Expectation("DuplicateChargeDetected", ("RefundIssued", "RefundRefused")),
    Expectation("TicketRefundRequested", ("RefundIssued", "RefundRefused")),
    Expectation("ReceiptConfirmed", ("OrderCompleted",)),
)
"""The hops the services make on their own, by Kafka, for an order (manual steps such as picking or
paying are not expected of anyone)."""


def entries(service: str, body: bytes) -> tuple[list[dict[str, Any]], int]:
    """A service's `/audit/orders/{id}/events` answer -> (its envelopes tagged with the service, relay lag)."""
    data = json.loads(body)
    return [{"service": service, **envelope} for envelope in data["events"]], int(data.get("relay_lag", 0))


def merge(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ordered by time; a cause before its effect when they share an instant. Each gets `caused_by`."""
    by_id = {e["event_id"]: e for e in events}
    depth: dict[str, int] = {}

    def depth_of(event: dict[str, Any], seen: frozenset[str] = frozenset()) -> int:
        key = event["event_id"]
        if key not in depth:
            cause = by_id.get(event.get("causation_id") or "")
            depth[key] = 0 if cause is None or key in seen else depth_of(cause, seen | {key}) + 1
        return depth[key]

    for event in events:
        cause = by_id.get(event.get("causation_id") or "")
        event["caused_by"] = None if cause is None else {"service": cause["service"], "event_type": cause["event_type"]}
    return sorted(events, key=lambda e: (_instant(e["occurred_at"]), depth_of(e), e["service"], e["aggregate_version"]))


def gaps(
    trail: list[dict[str, Any]],
    now: datetime,
    reaction_sla: timedelta,
    expectations: tuple[Expectation, ...] = EXPECTATIONS,
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    ids = {e["event_id"] for e in trail}
    effects: dict[str, list[dict[str, Any]]] = {}
    for event in trail:
        cause = event.get("causation_id")
        if cause:
            effects.setdefault(cause, []).append(event)
            if cause not in ids:
                found.append(
                    {
                        "kind": "missing_cause",
                        "event_id": event["event_id"],
                        "service": event["service"],
                        "event_type": event["event_type"],
                        "message": f"{event['service']} {event['event_type']} names cause {cause}, "
                        "which is not in this order's trail",
                    }
                )
    rules: dict[str, list[Expectation]] = {}
    for rule in expectations:
        rules.setdefault(rule.cause, []).append(rule)
    for event in trail:
        for rule in rules.get(event["event_type"], []):
            if not rule.applies(event.get("payload") or {}):
                continue
            followed = [e for e in effects.get(event["event_id"], []) if e["event_type"] in rule.effects]
            overdue = now - _instant(event["occurred_at"]) > reaction_sla
            if not followed and overdue:
                found.append(
                    {
                        "kind": "missing_effect",
                        "event_id": event["event_id"],
                        "service": event["service"],
                        "event_type": event["event_type"],
                        "expected": list(rule.effects),
                        "message": f"{event['service']} {event['event_type']} at {event['occurred_at']} was "
                        f"followed by none of {', '.join(rule.effects)} within {reaction_sla}",
                    }
                )
    return found


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
