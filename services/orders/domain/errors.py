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


class CarrierRefused(OrderError):
    """S1: no carrier chosen, one we do not ship with, or one that does not serve the shipping country."""


class CoverageUnknown(OrderError):
    """S1: shipping's tariff (which carrier serves which country) has not reached orders yet; retry."""


class OrderNotFound(OrderError, LookupError):
    pass


class NotYourOrder(OrderError, PermissionError):
    pass


class TransitionRefused(OrderError):
    """The rules do not allow this step from the order's current status; nothing is recorded."""


class CancellationRefused(TransitionRefused):
    pass
