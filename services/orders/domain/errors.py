"""Errors of the orders domain; each names the field and the rule it broke."""

from __future__ import annotations


class OrderError(Exception):
    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class UnknownProduct(OrderError):
    pass


class BelowMinimumOrderQuantity(OrderError):
    pass


class MixedCurrencies(OrderError):
    """One order is priced in one currency; a product priced in another cannot join it."""


class EmptyCart(OrderError):
    pass


class OutOfBounds(OrderError):
    """X3: a quantity, a price or a total outside the bounds money and stock may take."""


class IdempotencyKeyReused(OrderError):
    """O1: an Idempotency-Key already placed an order from a different request."""


class CarrierRefused(OrderError):
    """S1: no carrier chosen, one we do not ship with, or one that does not serve the shipping country."""


class CoverageUnknown(OrderError):
    """S1: shipping's tariff (which carrier serves which country) has not reached orders yet; retry."""


class UnknownPolicy(OrderError, LookupError):
    """O5: a cancellation policy version the table does not have."""


class Busy(OrderError):
    """Concurrent writers kept changing the same cart or order; nothing was recorded, the caller may retry."""


class OrderNotFound(OrderError, LookupError):
    pass


class NotYourOrder(OrderError, PermissionError):
    pass


class TransitionRefused(OrderError):
    """The rules do not allow this step from the order's current status; nothing is recorded."""


class CancellationRefused(TransitionRefused):
    pass


class CustomerHasOpenOrders(OrderError):
    """X4: a customer is forgotten only once every order of theirs has ended (completed, cancelled,
    expired): shipping and payments still need the details of an open one."""
