"""The tariff table as other services need it (which countries each carrier serves), recorded
once per table version so that it is published once however often the service starts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.shipping.domain.tariff import TariffTable

PUBLICATION_NAMESPACE = uuid.UUID("9e2d4c6b-8a1f-4e3d-b5c7-0f1e2d3c4b5a")


def publication_id(tariff_version: str) -> uuid.UUID:
    return uuid.uuid5(PUBLICATION_NAMESPACE, tariff_version)


def coverage(table: TariffTable) -> list[dict[str, Any]]:
    """Per carrier: the countries it serves and the heaviest parcel it prices."""
    return [
        {"carrier": name, "countries": tariff.countries, "max_weight_grams": tariff.max_weight_grams}
        for name, tariff in sorted(table.carriers.items())
    ]


class TariffPublication(Aggregate):
    Published: ClassVar[type[Any]]

    @staticmethod
    def create_id(tariff_version: str, currency: str, carriers: list[dict[str, Any]], at: datetime) -> uuid.UUID:
        return publication_id(tariff_version)

    @event("Published")
    def __init__(self, tariff_version: str, currency: str, carriers: list[dict[str, Any]], at: datetime) -> None:
        self.tariff_version = tariff_version
        self.currency = currency
        self.carriers = carriers
        self.at = at
