"""The shipping application: one method per use case. The skeleton has none yet; its issue grows them."""

from __future__ import annotations

from services.shipping.settings import ShippingSettings
from shared.runtime.store import HallmarkApplication


class ShippingApplication(HallmarkApplication):
    service = "shipping"
    settings: ShippingSettings
