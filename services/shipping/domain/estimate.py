"""S3: when the parcel should arrive - 4 to 7 business days after the shipping payment is settled,
in the shop's business calendar. "With many items, the slowest decides": some items need extra
business days before the parcel can leave (a per-SKU setting); the parcel travels as one, so the
whole estimate moves by the largest of those among the order's lines, never by their sum."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.calendar import BusinessCalendar


@dataclass(frozen=True)
class DeliveryWindow:
    earliest: datetime
    latest: datetime


@dataclass(frozen=True)
class EstimateRule:
    calendar: BusinessCalendar
    min_business_days: int = 4
    max_business_days: int = 7

    def __post_init__(self) -> None:
        if not 0 <= self.min_business_days <= self.max_business_days:
            raise ValueError(
                f"estimate: need 0 <= min ({self.min_business_days}) <= max ({self.max_business_days}) business days"
            )

    def window(self, start: datetime, processing_days: int = 0) -> DeliveryWindow:
        """The delivery window for a parcel whose shipping was paid at `start`."""
        return DeliveryWindow(
            earliest=self.calendar.add_business_days(start, self.min_business_days + processing_days),
            latest=self.calendar.add_business_days(start, self.max_business_days + processing_days),
        )


def slowest_processing_days(skus: Iterable[str], per_sku: Mapping[str, int]) -> int:
    """The extra business days of the slowest item among `skus` (0 when none needs extra time)."""
    return max((per_sku.get(sku, 0) for sku in skus), default=0)
