"""S1: the tariff table is versioned data, checked when the service starts (a malformed table or an
unknown version refuses to start, saying what is wrong); S3: production refuses dev webhook secrets;
the table's coverage is published once per version."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.shipping.adapters.tariffs import load_tariff
from services.shipping.bootstrap import bootstrap
from services.shipping.domain.errors import TariffTableInvalid
from services.shipping.settings import TARIFF_DIR, ShippingSettings
from shared.runtime.settings import PlatformSettings
from tests.unit.shipping.scenario import ShippingScenario


def table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TARIFF_DIR / "2026-01.json").read_text())
    return data


def written(tmp_path: Path, data: dict[str, Any], version: str = "2026-01") -> Path:
    (tmp_path / f"{version}.json").write_text(json.dumps(data))
    return tmp_path


def test_S1_the_shipped_table_loads() -> None:
    loaded = load_tariff(TARIFF_DIR, "2026-01")
    assert (loaded.version, loaded.currency, sorted(loaded.carriers)) == ("2026-01", "USD", ["DHL", "FedEx"])


def test_S1_an_unknown_configured_version_refuses_to_start() -> None:
    with pytest.raises(
        TariffTableInvalid, match=r"SHIPPING_TARIFF_VERSION='2031-07': no tariff table .*known: 2026-01"
    ):
        bootstrap(ShippingSettings(tariff_version="2031-07"), persistence="memory")


def broken(kind: str) -> dict[str, Any]:
    data = table()
    dhl = data["carriers"]["DHL"]
    if kind == "float price":
        dhl["bands"][0]["prices_minor"]["Z1"] = 14.5
    elif kind == "bands not ascending":
        dhl["bands"][1]["up_to_grams"] = 400
    elif kind == "zone without a price":
        del dhl["bands"][2]["prices_minor"]["Z3"]
    elif kind == "country in two zones":
        dhl["zones"]["Z2"].append("ES")
    elif kind == "unknown carrier":
        data["carriers"]["UPS"] = data["carriers"]["FedEx"]
    elif kind == "negative price":
        dhl["bands"][0]["prices_minor"]["Z1"] = -1
    return data


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("float price", r"malformed: carriers\.DHL\.bands\.0\.prices_minor\.Z1: Input should be a valid integer"),
        ("bands not ascending", r"carriers\.DHL\.bands\.1\.up_to_grams: 400 must be above 500"),
        ("zone without a price", r"carriers\.DHL\.bands\.2\.prices_minor: no price for zone\(s\) Z3"),
        ("country in two zones", r"carriers\.DHL\.zones\.Z2: ES is in zone Z1 too"),
        ("unknown carrier", r"carriers\.UPS: not a carrier the shop ships with \(DHL, FedEx\)"),
        ("negative price", r"carriers\.DHL\.bands\.0\.prices_minor\.Z1: -1 is not whole minor units >= 0"),
    ],
)
def test_S1_a_malformed_table_refuses_to_start_naming_the_problem(tmp_path: Path, kind: str, message: str) -> None:
    directory = written(tmp_path, broken(kind))
    with pytest.raises(TariffTableInvalid, match=message):
        bootstrap(ShippingSettings(tariff_dir=str(directory)), persistence="memory")


def test_S1_a_table_must_be_the_version_its_file_names(tmp_path: Path) -> None:
    directory = written(tmp_path, table(), version="2026-02")
    with pytest.raises(TariffTableInvalid, match="says it is version '2026-01', not '2026-02'"):
        load_tariff(directory, "2026-02")
    (tmp_path / "2026-03.json").write_text("{")
    with pytest.raises(TariffTableInvalid, match="malformed: not JSON"):
        load_tariff(tmp_path, "2026-03")


def test_S1_the_carriers_coverage_is_published_once_per_table_version(tmp_path: Path) -> None:
    s = ShippingScenario()
    assert s.app.publish_tariff() is False  # bootstrap published it; starting again publishes nothing
    ((kind, published),) = s.published()
    assert (kind, published["tariff_version"], published["currency"]) == ("CarrierTariffPublished", "2026-01", "USD")
    dhl, fedex = published["carriers"]
    assert (dhl["carrier"], len(dhl["countries"]), dhl["max_weight_grams"]) == ("DHL", 29, 30000)
    assert (fedex["carrier"], "IS" in fedex["countries"], fedex["max_weight_grams"]) == ("FedEx", False, 25000)
    next_version = {**table(), "version": "2026-02"}
    written(tmp_path, next_version, version="2026-02")
    s.app.tariff = load_tariff(tmp_path, "2026-02")
    assert s.app.publish_tariff() is True  # a new table version is published (once)
    assert [p["tariff_version"] for _, p in s.published()] == ["2026-01", "2026-02"]


def test_S3_production_refuses_to_start_without_the_carriers_webhook_secrets() -> None:
    production = PlatformSettings(hallmark_env="production", jwt_secret=secrets.token_urlsafe(32), jwt_audience="shop")
    with pytest.raises(ValidationError, match="SHIPPING_WEBHOOK_SECRET_DHL must be set"):
        ShippingSettings(platform=production)
    with pytest.raises(ValidationError, match="SHIPPING_WEBHOOK_SECRET_FEDEX must be set"):
        ShippingSettings(platform=production, webhook_secret_dhl="d" * 32)
    ShippingSettings(platform=production, webhook_secret_dhl="d" * 32, webhook_secret_fedex="f" * 32)
    ShippingSettings(platform=PlatformSettings(hallmark_env="test"))  # dev defaults: development and test only


def test_S3_settings_refuse_an_estimate_whose_minimum_exceeds_its_maximum() -> None:
    with pytest.raises(ValidationError, match="MIN_BUSINESS_DAYS must not exceed"):
        ShippingSettings(estimate_min_business_days=8)
