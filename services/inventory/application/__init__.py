"""Inventory use cases (commands and queries) and the handling of the orders service's events."""

from services.inventory.application.app import Adjustment, HoldView, InventoryApplication

__all__ = ["Adjustment", "HoldView", "InventoryApplication"]
