"""S1: the carriers' tariff table (versioned data) and the quote it gives: the carrier's price for
the parcel's weight band and the destination's zone, with no markup."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.shipping.domain.errors import TariffTableInvalid

CARRIERS = ("DHL", "FedEx")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Band:
    """Weights up to and including `up_to_grams` (above the band before), priced per zone."""

    up_to_grams: int
    prices_minor: Mapping[str, int]


@dataclass(frozen=True)
class CarrierTariff:
    carrier: str
    zones: Mapping[str, frozenset[str]]
    """zone name -> the countries (ISO 3166-1 alpha-2) in it"""
    bands: tuple[Band, ...]

    def zone_of(self, country: str) -> str | None:
        return next((zone for zone, countries in self.zones.items() if country in countries), None)

    @property
    def countries(self) -> list[str]:
        return sorted(c for countries in self.zones.values() for c in countries)

    @property
    def max_weight_grams(self) -> int:
        return self.bands[-1].up_to_grams

    def band_for(self, weight_grams: int) -> Band | None:
        return next((band for band in self.bands if weight_grams <= band.up_to_grams), None)


@dataclass(frozen=True)
class Quote:
    carrier: str
    country: str
    zone: str
    weight_grams: int
    band_up_to_grams: int
    cost_minor: int
    currency: str
    tariff_version: str


class QuoteImpossible(Exception):
    """No quote for this parcel: `problem` is a code (no_carrier, no_country, country_not_served, too_heavy)."""

    def __init__(self, problem: str, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem
        self.reason = reason


@dataclass(frozen=True)
class TariffTable:
    version: str
    currency: str
    carriers: Mapping[str, CarrierTariff]

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise TariffTableInvalid(f"tariff table {self.version!r} is invalid: " + "; ".join(problems))

    def serves(self, carrier: str, country: str) -> bool:
        tariff = self.carriers.get(carrier)
        return tariff is not None and tariff.zone_of(country) is not None

    def quote(self, carrier: str | None, country: str | None, weight_grams: int) -> Quote:
        """The carrier's price for the parcel (S1), or QuoteImpossible saying why not."""
        if carrier is None:
            raise QuoteImpossible("no_carrier", "no carrier was chosen at checkout (DHL or FedEx)")
        if country is None:
            raise QuoteImpossible("no_country", "the order has no shipping address country")
        tariff = self.carriers.get(carrier)
        zone = tariff.zone_of(country) if tariff else None
        if tariff is None or zone is None:
            raise QuoteImpossible("country_not_served", f"{carrier} does not serve {country} (tariff {self.version})")
        band = tariff.band_for(weight_grams)
        if band is None:
            raise QuoteImpossible(
                "too_heavy",
                f"{weight_grams} g is above {carrier}'s heaviest band "
                f"({tariff.max_weight_grams} g, tariff {self.version})",
            )
        return Quote(
            carrier=carrier,
            country=country,
            zone=zone,
            weight_grams=weight_grams,
            band_up_to_grams=band.up_to_grams,
            cost_minor=band.prices_minor[zone],
            currency=self.currency,
            tariff_version=self.version,
        )


def _problems(table: TariffTable) -> list[str]:
    problems: list[str] = []
    if not table.version.strip():
        problems.append("version: must not be empty")
    if not _CURRENCY.match(table.currency):
        problems.append(f"currency: {table.currency!r} is not an ISO 4217 code")
    if not table.carriers:
        problems.append("carriers: none")
    for name, tariff in table.carriers.items():
        if name not in CARRIERS or tariff.carrier != name:
            problems.append(f"carriers.{name}: not a carrier the shop ships with ({', '.join(CARRIERS)})")
        problems += [f"carriers.{name}.{p}" for p in _carrier_problems(tariff)]
    return problems


def _carrier_problems(tariff: CarrierTariff) -> list[str]:
    problems: list[str] = []
    if not tariff.zones:
        problems.append("zones: none")
    seen: dict[str, str] = {}
    for zone, countries in tariff.zones.items():
        for country in sorted(countries):
            if not _COUNTRY.match(country):
                problems.append(f"zones.{zone}: {country!r} is not an ISO 3166-1 alpha-2 code")
            elif country in seen:
                problems.append(f"zones.{zone}: {country} is in zone {seen[country]} too")
            seen[country] = zone
    if not tariff.bands:
        problems.append("bands: none")
    previous = 0
    for index, band in enumerate(tariff.bands):
        if band.up_to_grams <= previous:
            problems.append(f"bands.{index}.up_to_grams: {band.up_to_grams} must be above {previous}")
        previous = max(previous, band.up_to_grams)
        missing = sorted(set(tariff.zones) - set(band.prices_minor))
        unknown = sorted(set(band.prices_minor) - set(tariff.zones))
        if missing:
            problems.append(f"bands.{index}.prices_minor: no price for zone(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"bands.{index}.prices_minor: unknown zone(s) {', '.join(unknown)}")
        for zone, price in band.prices_minor.items():
            if isinstance(price, bool) or not isinstance(price, int) or price < 0:
                problems.append(f"bands.{index}.prices_minor.{zone}: {price!r} is not whole minor units >= 0")
    return problems
