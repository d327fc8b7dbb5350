"""O4, X1: an order not paid within the payment window expires. The deadline is a durable timer
(`payment-window`, one per order, stored with the order when it is placed); when it fires on an
order still awaiting its payment, the order ends (OrderExpired: inventory releases its stock, and
payments treats it like a free cancellation, refunding anything that still arrives)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from shared.runtime.clock import Clock
from shared.runtime.timers import Timer

log = logging.getLogger("hallmark.orders")
PE = ProcessingEvent[uuid.UUID]

PAYMENT_WINDOW = "payment-window"


class ExpiryPort(Protocol):
    @property
    def clock(self) -> Clock: ...
    def load(self, aggregate_id: uuid.UUID, processing_event: PE | None = None) -> Any: ...


def payment_window_timer(order_id: uuid.UUID, due_at: datetime) -> Timer:
    """The order's payment deadline, saved with the order that sets it."""
    return Timer(kind=PAYMENT_WINDOW, target=str(order_id), due_at=due_at)


def on_payment_window_closed(app: ExpiryPort, timer: Timer, pe: PE) -> None:
    """Expire the order if it is still awaiting its payment; paid, cancelled or gone: nothing."""
    try:
        order = app.load(uuid.UUID(timer.target), pe)
    except AggregateNotFoundError:
        log.warning("payment window of an unknown order", extra={"order_id": timer.target})
        return
    if order.expire(at=app.clock.now()):
        pe.collect_events(order)
