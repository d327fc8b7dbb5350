"""The inventory aggregates under their first module's name (existing imports keep working)."""

from services.inventory.domain.errors import InventoryError, UnknownSku
from services.inventory.domain.reservation import Reservation, reservation_id
from services.inventory.domain.sku import Sku, sku_id

__all__ = ["InventoryError", "Reservation", "Sku", "UnknownSku", "reservation_id", "sku_id"]
