"""Orders use cases (commands and queries) and the handling of other services' events."""

from services.orders.application.app import Checkout, OrdersApplication

__all__ = ["Checkout", "OrdersApplication"]
