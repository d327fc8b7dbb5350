"""Shipping use cases (`app.py`) and the handling of other services' events (`policies.py`)."""

from services.shipping.application.app import ShippingApplication

__all__ = ["ShippingApplication"]
