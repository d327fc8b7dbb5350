"""Payments use cases and the handling of the orders and shipping services' events."""

from services.payments.application.app import PaymentsApplication

__all__ = ["PaymentsApplication"]
