"""Inventory domain: SKUs with stock on hand, holds and reservations; reservations per order with
their picking. Pure: no I/O."""

from services.inventory.domain.errors import InventoryError, UnknownSku
from services.inventory.domain.holds import CustomerHolds
from services.inventory.domain.reservation import Reservation
from services.inventory.domain.sku import Sku

__all__ = ["CustomerHolds", "InventoryError", "Reservation", "Sku", "UnknownSku"]
