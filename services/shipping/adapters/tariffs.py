"""Reading a versioned tariff table (`<tariff_dir>/<version>.json`) into the domain's TariffTable;
a missing or malformed table refuses to start, saying what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from services.shipping.domain.errors import TariffTableInvalid
from services.shipping.domain.tariff import Band, CarrierTariff, TariffTable


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Band(_Strict):
    up_to_grams: StrictInt = Field(gt=0)
    prices_minor: dict[str, StrictInt]


class _Carrier(_Strict):
    zones: dict[str, list[str]]
    bands: list[_Band]


class _Table(_Strict):
    version: str
    currency: str
    description: str = ""
    carriers: dict[str, _Carrier]


def load_tariff(directory: str | Path, version: str) -> TariffTable:
    path = Path(directory) / f"{version}.json"
    if not path.is_file():
        known = sorted(p.stem for p in Path(directory).glob("*.json")) if Path(directory).is_dir() else []
        raise TariffTableInvalid(
            f"SHIPPING_TARIFF_VERSION={version!r}: no tariff table {path} (known: {', '.join(known) or 'none'})"
        )
    try:
        raw = _Table.model_validate(json.loads(path.read_text()))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise TariffTableInvalid(f"tariff table {path} is malformed: {_describe(exc)}") from None
    if raw.version != version:
        raise TariffTableInvalid(f"tariff table {path} says it is version {raw.version!r}, not {version!r}")
    return TariffTable(
        version=raw.version,
        currency=raw.currency,
        carriers={
            name: CarrierTariff(
                carrier=name,
                zones={zone: frozenset(countries) for zone, countries in carrier.zones.items()},
                bands=tuple(Band(b.up_to_grams, dict(b.prices_minor)) for b in carrier.bands),
            )
            for name, carrier in raw.carriers.items()
        },
    )


def _describe(exc: json.JSONDecodeError | ValidationError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc})"
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
