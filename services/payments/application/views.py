"""What ops and account managers follow, read from the payments log: orders held for a fraud check
(P5), refunds owed through the provider for longer than a threshold (P6), and transfers overdue (P2)
of open orders, per customer for their account manager."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from services.payments.domain import DepositOrder, FraudCheck, Payment, deposit_order_id, payment_id
from shared.runtime.store import HallmarkApplication

LIMIT = 100_000


@dataclass(frozen=True)
class OwedRefund:
    """A refund owed through the provider and not made yet: since when, how often it failed, and why."""

    order_id: str
    purpose: str
    method: str
    customer_id: str
    amount_minor: int
    currency: str
    reason: str
    key: str
    owed_since: datetime
    attempts: int
    last_error: str | None


def held_for_review(app: HallmarkApplication) -> list[FraudCheck]:
    """Orders drawn for a fraud check and not decided yet, unless cancelled meanwhile (P5)."""
    checks: list[FraudCheck] = list(_aggregates(app, FraudCheck.FraudDrawRecorded))
    return [c for c in checks if c.held and not _closed(app, c.order_id)]


def refunds_owed(app: HallmarkApplication, owed_before: datetime) -> list[OwedRefund]:
    """Refunds owed since before `owed_before` and not made yet, oldest first (P6)."""
    owed = [
        OwedRefund(
            p.order_id,
            p.purpose,
            p.method,
            p.customer_id,
            r.amount_minor,
            p.currency,
            r.reason,
            r.key,
            r.at,
            r.attempts,
            r.last_error,
        )
        for p in _aggregates(app, Payment.RefundRequested)
        for r in p.requested.values()
        if r.at <= owed_before
    ]
    return sorted(owed, key=lambda r: r.owed_since)


def overdue_transfers(app: HallmarkApplication, customer_ids: Collection[str] | None) -> list[Payment]:
    """Transfers flagged overdue (P2) that have still not settled, of orders not cancelled, of the given
    customers (all when None), oldest deadline first."""
    found: list[Payment] = [
        p
        for p in _aggregates(app, Payment.SettlementOverdueFlagged)
        if p.settled_at is None and p.closed is None and (customer_ids is None or p.customer_id in customer_ids)
    ]
    return sorted(found, key=lambda p: p.settlement_deadline() or p.requested_at)


def _aggregates(app: HallmarkApplication, event_class: type[Any]) -> Iterator[Any]:
    """Each aggregate that recorded an event of this class, once, in the order it first did."""
    seen: set[uuid.UUID] = set()
    for n in app.recorder.select_notifications(start=1, limit=LIMIT, topics=[get_topic(event_class)]):
        aggregate_id = uuid.UUID(str(n.originator_id))
        if aggregate_id not in seen:
            seen.add(aggregate_id)
            yield app.repository.get(aggregate_id)


def _closed(app: HallmarkApplication, order_id: str) -> bool:
    for aggregate_id in (payment_id(order_id, "goods"), payment_id(order_id, "sample_fee")):
        if aggregate_id in app.repository:
            payment: Payment = app.repository.get(aggregate_id)
            return payment.closed is not None
    if deposit_order_id(order_id) in app.repository:
        payer: DepositOrder = app.repository.get(deposit_order_id(order_id))
        return payer.closed is not None
    return False
