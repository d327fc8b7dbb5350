"""Cancellation terms (O5): a pure function of the order's event history, an instant and the
policy version the order was confirmed under. No clock, no I/O.

The fee policy is versioned data: `TABLE` holds every version ever in force, oldest first, and is
checked when this module loads. The newest row is the version in force now (`CURRENT_POLICY`; its
row is the one place it is named); ORDERS_CANCELLATION_POLICY may name another row and a name the
table lacks refuses to start. An order keeps the version stamped on it at confirmation; one stamped
with a version the table lacks (before unknown names were refused) is read under the version that
was in force when it was confirmed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP
from itertools import pairwise
from typing import Any

from eventsourcing.domain import CanMutateAggregate

from services.orders.domain import status as st
from services.orders.domain.errors import UnknownPolicy
from services.orders.domain.order import Order
from services.orders.domain.values import CancellationTerms, percent_of

ROUNDINGS = {"half-up": ROUND_HALF_UP}
"""How a fee is rounded to a whole minor unit, by the name a policy gives it."""


@dataclass(frozen=True)
class CancellationPolicy:
    """One version of the O5 policy: free below `free_for` after placing, a fee of `fee_percent` % of
    the order total (rounded by `rounding`) until `refused_after`, refused from then on."""

    version: str
    free_for: timedelta
    refused_after: timedelta
    fee_percent: str
    in_force_from: date = date.min
    rounding: str = "half-up"

    def fee(self, total_minor: int) -> int:
        return percent_of(total_minor, self.fee_percent, ROUNDINGS[self.rounding])


TABLE: tuple[CancellationPolicy, ...] = (
    CancellationPolicy(
        version="2026-01",
        free_for=timedelta(hours=6),
        refused_after=timedelta(hours=72),
        fee_percent="15",
        in_force_from=date(2026, 1, 1),
        rounding="half-up",
    ),
)
"""Every version ever in force, oldest first. A new version is a new row at the end; a row is never
changed or removed (orders keep the version stamped on them)."""


def checked(table: Sequence[CancellationPolicy]) -> dict[str, CancellationPolicy]:
    """The table by version, once it holds: versions unique and in force one after another, windows
    0 <= free < refused, a fee of 0-100 %, a known rounding. A table that does not hold stops the service."""
    if not table:
        raise ValueError("O5: the cancellation policy table is empty")
    for earlier, later in pairwise(table):
        if later.in_force_from <= earlier.in_force_from:
            raise ValueError(f"O5: {later.version} must come into force after {earlier.version}")
    by_version: dict[str, CancellationPolicy] = {}
    for policy in table:
        if policy.version in by_version:
            raise ValueError(f"O5: version {policy.version} appears twice")
        if not timedelta(0) <= policy.free_for < policy.refused_after:
            raise ValueError(f"O5: {policy.version}: the free window must end before cancelling is refused")
        if not 0 <= float(policy.fee_percent) <= 100 or policy.rounding not in ROUNDINGS:
            raise ValueError(f"O5: {policy.version}: a fee of 0-100 % with a rounding of {sorted(ROUNDINGS)}")
        by_version[policy.version] = policy
    return by_version


POLICIES: dict[str, CancellationPolicy] = checked(TABLE)
CURRENT_POLICY = TABLE[-1].version
"""The version in force now: the newest row of the table."""


def policy_named(version: str, policies: Mapping[str, CancellationPolicy] | None = None) -> CancellationPolicy:
    """The policy of that version; a version the table lacks is refused, naming those it has."""
    policies = POLICIES if policies is None else policies
    try:
        return policies[version]
    except KeyError:
        known = ", ".join(policies)
        raise UnknownPolicy(
            f"no cancellation policy {version!r}; the versions are {known}", field="cancellation_policy", rule="O5"
        ) from None


def policy_in_force(at: datetime, policies: Mapping[str, CancellationPolicy]) -> CancellationPolicy:
    """The version that was in force at `at` (the oldest before the table begins)."""
    ordered = sorted(policies.values(), key=lambda p: p.in_force_from)
    return next((p for p in reversed(ordered) if p.in_force_from <= at.date()), ordered[0])


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
    order: Order | None, at: datetime, policies: Mapping[str, CancellationPolicy], current: str
) -> CancellationTerms:
    if order is None:
        return CancellationTerms(
            None, False, 0, 0, "", "the order had not been placed at that instant", current, at, None
        )
    policy = policies.get(order.policy_version or current)
    if policy is None:  # stamped with a version the table lacks: the one in force at confirmation
        policy = policy_in_force(order.confirmed_at or order.placed_at, policies)
    version = policy.version
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
            return terms(
                True,
                policy.fee(order.total_minor),
                f"{_hours(policy.free_for)}-{_hours(policy.refused_after)} h after placing: "
                f"a fee of {policy.fee_percent} % of the order total",
            )
        return terms(False, 0, f"{_hours(policy.refused_after)} h or more after placing: the package is ready to ship")
    if order.status == st.CANCELLED:
        return terms(False, 0, "the order is already cancelled")
    if order.status == st.EXPIRED:
        return terms(False, 0, "the order expired unpaid: it has ended, there is nothing to cancel")
    return terms(False, 0, f"the order is {order.status}: shipping has been quoted, it can no longer be cancelled")


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)
