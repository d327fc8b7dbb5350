"""Payments use cases (`app`) and the handling of the orders and shipping services' events (`policies`)."""

from services.payments.application.app import PaymentsApplication

__all__ = ["PaymentsApplication"]
