"""Errors of the tickets domain; each names the field and the rule it broke."""

from __future__ import annotations


class TicketError(Exception):
    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class TicketNotFound(TicketError, LookupError):
    pass


class NotYours(TicketError, PermissionError):
    """The ticket or order belongs to another customer (X2)."""


class NotEligible(TicketError):
    """No after-sale ticket before the customer confirmed receipt (T1)."""


class ClaimWindowClosed(TicketError):
    """Damaged, defective or incorrect items are claimed too late (T2)."""


class TransitionRefused(TicketError):
    """The ticket's state does not allow this step; nothing is recorded."""


class InvalidClaim(TicketError):
    """Items or an outcome that do not fit the order or the ticket (X3, T5)."""


class NothingToRefund(TicketError):
    """The order has nothing refundable left for what was asked (T5)."""


class PhotoRefused(TicketError):
    """A photo that is not a JPEG or PNG (judged by its bytes) or is too large; nothing is stored."""
