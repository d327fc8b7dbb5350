"""Inventory use cases (commands and queries) and the handling of the orders service's events."""

from services.inventory.application.app import InventoryApplication
from services.inventory.application.views import Adjustment, HoldView, OrderCut, SlaBreach

__all__ = ["Adjustment", "HoldView", "InventoryApplication", "OrderCut", "SlaBreach"]
