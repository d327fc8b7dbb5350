"""Orders use cases (commands and queries) and the handling of other services' events."""

from services.orders.application.app import OrdersApplication
from services.orders.domain.values import Address, Checkout

__all__ = ["Address", "Checkout", "OrdersApplication"]
