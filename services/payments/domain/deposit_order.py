"""The DepositOrder aggregate (P3, P7): which customer's deposit pays an order. Recorded when an order
to be paid from the deposit is placed, so that what is asked later - the shipping quoted after the goods
were prepared (P7) - is debited from the same account, and only that customer may pay it (X2). Closed
once when the order is cancelled (O5): nothing more is debited for it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.payments.domain.closure import check_closure
from services.payments.domain.errors import PaymentConflict
from services.payments.domain.money import check_currency
from services.payments.domain.values import Closure, check_text

DEPOSIT_ORDER_NAMESPACE = uuid.UUID("5e0b7c93-2d4a-4f61-8b1e-93c7a2d40f18")


def deposit_order_id(order_id: str) -> uuid.UUID:
    """The record's id follows from the order (one each)."""
    return uuid.uuid5(DEPOSIT_ORDER_NAMESPACE, order_id)


class DepositOrder(Aggregate):
    """An order paid from a customer's deposit, in the deposit's currency."""

    Registered: ClassVar[type[Any]]
    Closed: ClassVar[type[Any]]

    @classmethod
    def register(cls, order_id: str, customer_id: str, currency: str, at: datetime) -> DepositOrder:
        """Record that `customer_id`'s deposit pays `order_id`; raise InvalidPayment naming a bad field."""
        check_text(order_id, field="order_id", rule="P3")
        check_text(customer_id, field="customer_id", rule="P3")
        check_currency(currency, rule="P3")
        return cls(order_id, customer_id, currency, at)

    @event("Registered")
    def __init__(self, order_id: str, customer_id: str, currency: str, at: datetime) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.currency = currency
        self.registered_at = at
        self.closed: Closure | None = None

    @staticmethod
    def create_id(order_id: str, **_: Any) -> uuid.UUID:
        return deposit_order_id(order_id)

    def check_open(self) -> None:
        """Raise PaymentConflict if the order was cancelled: nothing more is debited for it (O5)."""
        if self.closed is not None:
            raise PaymentConflict(
                f"order {self.order_id} is cancelled ({self.closed.reason}): nothing is taken for it",
                field="order_id",
                rule="O5",
            )

    def close(self, reason: str, fee_minor: int, at: datetime) -> bool:
        """The order was cancelled or expired (O5): its debits keep `fee_minor`; once."""
        if self.closed is not None:
            return False
        check_closure(reason, fee_minor)
        self._close(reason, fee_minor, at)
        return True

    @event("Closed")
    def _close(self, reason: str, fee_minor: int, at: datetime) -> None:
        self.closed = Closure(reason, fee_minor, at)
