"""The FraudCheck aggregate (P5): one per order, created by its recorded draw, so a replay never re-rolls."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.payments.domain.errors import InvalidPayment, PaymentConflict
from services.payments.domain.values import check_text

FRAUD_CHECK_NAMESPACE = uuid.UUID("d41c7a90-6b2e-4f35-9c18-0a7e5b3f2d61")
DEFAULT_SHARE = 0.05


def fraud_draw(share: float, rng_value: float) -> bool:
    """Whether an order is held for review, given the share held and a uniform random value in [0, 1)."""
    if not 0.0 <= share <= 1.0:
        raise InvalidPayment(
            f"the share held for review must be between 0 and 1, got {share}", field="share", rule="P5"
        )
    if not 0.0 <= rng_value < 1.0:
        raise InvalidPayment(f"the random value must be in [0, 1), got {rng_value}", field="rng_value", rule="P5")
    return rng_value < share


def fraud_check_id(order_id: str) -> uuid.UUID:
    """The fraud check's id follows from the order (one draw per order)."""
    return uuid.uuid5(FRAUD_CHECK_NAMESPACE, order_id)


class FraudCheck(Aggregate):
    """Whether an order is held for an authorization check before confirmation, and how ops decided."""

    FraudDrawRecorded: ClassVar[type[Any]]
    ReviewApproved: ClassVar[type[Any]]
    ReviewRejected: ClassVar[type[Any]]

    @classmethod
    def draw(cls, order_id: str, share: float, rng_value: float, at: datetime) -> FraudCheck:
        """Draw for one order with the caller's random value in [0, 1) and record the result."""
        check_text(order_id, field="order_id", rule="P5")
        return cls(order_id, fraud_draw(share, rng_value), share, at)

    @event("FraudDrawRecorded")
    def __init__(self, order_id: str, selected: bool, share: float, at: datetime) -> None:
        self.order_id = order_id
        self.selected = selected
        self.share = share
        self.drawn_at = at
        self.review: str | None = None
        self.reviewer: str | None = None

    @staticmethod
    def create_id(order_id: str, **_: Any) -> uuid.UUID:
        return fraud_check_id(order_id)

    @property
    def held(self) -> bool:
        """True while the order waits for ops: selected and not yet approved or rejected."""
        return self.selected and self.review is None

    @property
    def cleared(self) -> bool:
        """True if the order may be confirmed: not selected, or approved on review."""
        return not self.selected or self.review == "approved"

    def check_reviewable(self) -> None:
        """Raise unless the order is held for review and not yet decided."""
        if not self.selected:
            raise PaymentConflict(f"order {self.order_id} was not selected for review", field="review", rule="P5")
        if self.review is not None:
            raise PaymentConflict(
                f"order {self.order_id} was already {self.review} by {self.reviewer}", field="review", rule="P5"
            )

    def approve(self, reviewer: str, note: str, at: datetime) -> None:
        """Ops approve a held order; it may be confirmed."""
        self.check_reviewable()
        check_text(reviewer, field="reviewer", rule="P5")
        self._approve(reviewer, note, at)

    def reject(self, reviewer: str, reason: str, at: datetime) -> None:
        """Ops reject a held order; what was paid for it is to be refunded (P6)."""
        self.check_reviewable()
        check_text(reviewer, field="reviewer", rule="P5")
        check_text(reason, field="reason", rule="P5")
        self._reject(reviewer, reason, at)

    @event("ReviewApproved")
    def _approve(self, reviewer: str, note: str, at: datetime) -> None:
        self.review = "approved"
        self.reviewer = reviewer

    @event("ReviewRejected")
    def _reject(self, reviewer: str, reason: str, at: datetime) -> None:
        self.review = "rejected"
        self.reviewer = reviewer
