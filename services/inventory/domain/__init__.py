"""Inventory domain: SKUs with stock on hand and reservations per order. Pure: no I/O."""

from services.inventory.domain.model import InventoryError, Reservation, Sku, UnknownSku

__all__ = ["InventoryError", "Reservation", "Sku", "UnknownSku"]
