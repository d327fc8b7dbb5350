"""Which carrier ships where (S1): the orders service's copy of the coverage in shipping's tariff
table, kept from shipping's CarrierTariffPublished events (the newest table wins), and the check
that the carrier a customer chooses at checkout serves the shipping country."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.orders.domain.errors import CarrierRefused, CoverageUnknown
from services.orders.domain.values import Checkout

CARRIERS = ("DHL", "FedEx")
"""The carriers the shop ships with (S1)."""
COVERAGE_ID = uuid.uuid5(uuid.UUID("b7d3e9a1-4c2f-4e8b-9a6d-1f0e2d3c4b5a"), "carrier-coverage")


@dataclass(frozen=True)
class Tariff:
    """What one version of shipping's tariff table says of the carriers: the countries each serves."""

    version: str
    published_at: datetime
    countries: Mapping[str, Sequence[str]]


class CarrierCoverage(Aggregate):
    """One per service: the coverage of the newest tariff table heard of (by publication instant,
    then version), so a redelivered or late older table never replaces a newer one."""

    Known: ClassVar[type[Any]]
    Replaced: ClassVar[type[Any]]

    @event("Known")
    def __init__(self, tariff_version: str, published_at: datetime, countries: dict[str, list[str]]) -> None:
        self.tariff_version = tariff_version
        self.published_at = published_at
        self.countries = countries

    @staticmethod
    def create_id(**_: Any) -> uuid.UUID:
        return COVERAGE_ID

    @classmethod
    def first(cls, tariff: Tariff) -> CarrierCoverage:
        return cls(tariff_version=tariff.version, published_at=tariff.published_at, countries=_lists(tariff))

    def take(self, tariff: Tariff) -> bool:
        """Take a newer table's coverage; False when `tariff` is this one or older."""
        if (tariff.published_at, tariff.version) <= (self.published_at, self.tariff_version):
            return False
        self._replace(tariff_version=tariff.version, published_at=tariff.published_at, countries=_lists(tariff))
        return True

    @event("Replaced")
    def _replace(self, tariff_version: str, published_at: datetime, countries: dict[str, list[str]]) -> None:
        self.tariff_version = tariff_version
        self.published_at = published_at
        self.countries = countries

    def serves(self, carrier: str, country: str) -> bool:
        return country in self.countries.get(carrier, [])

    def check(self, carrier: str, country: str) -> None:
        """S1: refuse a carrier that does not serve `country`, naming the ones that do."""
        if self.serves(carrier, country):
            return
        others = [c for c in CARRIERS if c != carrier and self.serves(c, country)]
        instead = f"; choose {' or '.join(others)}" if others else "; no carrier we ship with serves it"
        raise CarrierRefused(
            f"{carrier} does not deliver to {country} (tariff {self.tariff_version}){instead}",
            field="carrier",
            rule="S1",
        )


def check_choice(details: Checkout, coverage: CarrierCoverage | None) -> str:
    """S1: the carrier chosen at checkout is one we ship with and serves the shipping country; the
    chosen carrier. Before shipping's tariff reached this service the answer is not known: refused,
    to retry."""
    carrier, address = details.carrier, details.shipping_address
    if address is None:
        raise CarrierRefused("a shipping address is needed to ship the order", field="shipping_address", rule="S1")
    if carrier is None:
        raise CarrierRefused(f"choose the carrier: {' or '.join(CARRIERS)}", field="carrier", rule="S1")
    if carrier not in CARRIERS:
        raise CarrierRefused(
            f"{carrier!r} is not a carrier we ship with ({' or '.join(CARRIERS)})", field="carrier", rule="S1"
        )
    if coverage is None:
        raise CoverageUnknown(
            "carrier coverage not known yet (shipping's tariff has not reached orders): retry shortly",
            field="carrier",
            rule="S1",
        )
    coverage.check(carrier, address.country)
    return carrier


def _lists(tariff: Tariff) -> dict[str, list[str]]:
    return {carrier: sorted(countries) for carrier, countries in sorted(tariff.countries.items())}
