"""Cancellation terms (O5): a pure function of the order's event history, an instant and the
policy version the order was confirmed under. No clock, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.domain import CanMutateAggregate

from services.orders.domain import status as st
from services.orders.domain.order import Order
from services.orders.domain.values import CancellationTerms, percent_of


@dataclass(frozen=True)
class CancellationPolicy:
    version: str
    free_for: timedelta
    refused_after: timedelta
    fee_percent: str


POLICIES: dict[str, CancellationPolicy] = {
    "2026-01": CancellationPolicy("2026-01", timedelta(hours=6), timedelta(hours=72), "15"),
}
CURRENT_POLICY = "2026-01"


def replay_until(events: Sequence[CanMutateAggregate[uuid.UUID]], at: datetime) -> Any:
    """The order as it was at `at` (None before it was placed): its events up to that instant, replayed."""
    order: Order | None = None
    for domain_event in events:
        if domain_event.timestamp > at:
            break
        order = domain_event.mutate(order)
    return order


def quote(
    events: Sequence[CanMutateAggregate[uuid.UUID]],
    at: datetime,
    policies: dict[str, CancellationPolicy] | None = None,
    current: str = CURRENT_POLICY,
) -> CancellationTerms:
    """What cancelling at `at` would cost (fee) and give back (refund), and whether it is allowed."""
    return terms_for(replay_until(events, at), at, policies or POLICIES, current)


def terms_for(
    order: Order | None, at: datetime, policies: dict[str, CancellationPolicy], current: str
) -> CancellationTerms:
    if order is None:
        return CancellationTerms(
            None, False, 0, 0, "", "the order had not been placed at that instant", current, at, None
        )
    version = order.policy_version or current
    policy = policies[version]
    elapsed = at - order.placed_at
    hours = round(elapsed.total_seconds() / 3600, 4)

    def terms(cancellable: bool, fee: int, reason: str) -> CancellationTerms:
        refund = max(order.paid_net_minor - fee, 0) if cancellable else 0
        return CancellationTerms(order.status, cancellable, fee, refund, order.currency, reason, version, at, hours)

    if order.status in st.UNPAID:  # not confirmed yet, or held for a fraud check (P5)
        return terms(True, 0, "not paid yet: cancelling is free")
    if order.status in (st.CONFIRMED, st.PROCESSING):
        if elapsed < policy.free_for:
            return terms(True, 0, f"within {_hours(policy.free_for)} h of placing: cancelling is free")
        if elapsed < policy.refused_after:
            fee = percent_of(order.total_minor, policy.fee_percent)
            return terms(
                True,
                fee,
                f"{_hours(policy.free_for)}-{_hours(policy.refused_after)} h after placing: "
                f"a fee of {policy.fee_percent} % of the order total",
            )
        return terms(False, 0, f"{_hours(policy.refused_after)} h or more after placing: the package is ready to ship")
    if order.status == st.CANCELLED:
        return terms(False, 0, "the order is already cancelled")
    return terms(False, 0, f"the order is {order.status}: shipping has been quoted, it can no longer be cancelled")


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)
