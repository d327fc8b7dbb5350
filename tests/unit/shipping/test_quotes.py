"""S1: the quote - the carrier's tariff for the parcel weight and the destination zone, no markup,
the table version named; refused with a reason (and listed for ops) when it cannot be made."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.shipping.domain.errors import CarrierChoiceRefused
from tests.unit.shipping.scenario import ShippingScenario


@pytest.mark.parametrize(
    ("carrier", "country", "weight", "cost"),
    [
        ("DHL", "ES", 72, 1450),  # zone Z1, first band
        ("DHL", "ES", 500, 1450),  # weight-band boundary: 500 g is still the first band ...
        ("DHL", "ES", 501, 1890),  # ... 501 g is the next
        ("DHL", "PT", 1800, 2350),  # Z1
        ("DHL", "GB", 1800, 3190),  # zone boundary: the same parcel one zone further (Z2)
        ("DHL", "US", 4200, 7240),  # Z3
        ("DHL", "JP", 30000, 28900),  # Z4, heaviest band, at its limit
        ("FedEx", "ES", 2500, 2690),  # zone A; FedEx's bands differ from DHL's
        ("FedEx", "ES", 2501, 3590),
        ("FedEx", "GB", 2500, 2690),  # GB is in FedEx's first zone, not in DHL's
        ("FedEx", "CH", 2500, 3490),  # zone B
        ("FedEx", "US", 9000, 10790),  # zone C
    ],
)
def test_S1_quote_is_the_carriers_tariff_for_weight_band_and_zone(
    carrier: str, country: str, weight: int, cost: int
) -> None:
    s = ShippingScenario()
    order_id = s.placed(carrier=carrier, country=country)
    s.prepared(order_id, weight)
    assert s.published() == [
        ("CarrierTariffPublished", s.published()[0][1]),
        (
            "ShippingQuoted",
            {
                "order_id": order_id,
                "carrier": carrier,
                "country": country,
                "weight_grams": weight,
                "cost": {"amount_minor": cost, "currency": "USD"},
                "tariff_version": "2026-01",
                "quoted_at": s.clock.now().isoformat().replace("+00:00", "Z"),
            },
        ),
    ]
    assert s.shipment(order_id).status == "awaiting_payment"


def test_S1_the_quote_waits_for_both_the_order_and_the_weight_whichever_comes_first() -> None:
    s = ShippingScenario()
    order_id = "0b4d0c1e-0000-4000-8000-000000000001"
    s.prepared(order_id, 720)  # inventory's event overtook the order's
    assert s.shipment(order_id).status == "awaiting_order"
    s.placed(order_id=order_id)
    assert s.shipment(order_id).quote["cost_minor"] == 1890  # type: ignore[index]


def test_S1_a_redelivered_order_or_weight_makes_no_second_shipment_or_quote() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)
    s.feed("OrderPlaced", s.order_placed(order_id))  # relay republished it (new notification id)
    s.prepared(order_id, 720)
    assert s.types().count("ShippingQuoted") == 1
    assert s.app.shipment_history(order_id)[0]["type"] == "Shipment.Opened"
    assert len(s.app.shipment_history(order_id)) == 4  # opened, order, weight, quoted


def test_S1_a_country_the_carrier_does_not_serve_is_refused_with_the_reason() -> None:
    s = ShippingScenario()
    fedex_iceland = s.placed(carrier="FedEx", country="IS")  # DHL serves Iceland, FedEx does not
    s.prepared(fedex_iceland, 720)
    nobody = s.placed(carrier="DHL", country="KP")
    s.prepared(nobody, 720)
    refusals = [p for t, p in s.published() if t == "ShippingQuoteRefused"]
    assert [(r["order_id"], r["problem"], r["reason"]) for r in refusals] == [
        (fedex_iceland, "country_not_served", "FedEx does not serve IS (tariff 2026-01)"),
        (nobody, "country_not_served", "DHL does not serve KP (tariff 2026-01)"),
    ]
    assert "ShippingQuoted" not in s.types()
    assert [x.order_id for x in s.app.refused_quotes()] == [fedex_iceland, nobody]


def test_S1_a_parcel_above_the_heaviest_band_is_refused() -> None:
    s = ShippingScenario()
    order_id = s.placed(carrier="FedEx", country="ES")
    s.prepared(order_id, 25001)
    assert s.shipment(order_id).refusal["reason"] == (  # type: ignore[index]
        "25001 g is above FedEx's heaviest band (25000 g, tariff 2026-01)"
    )


def test_S1_an_order_placed_before_carriers_were_offered_is_flagged_then_quoted_once_ops_choose() -> None:
    s = ShippingScenario()
    order_id = s.placed_v2()  # OrderPlaced v2, upcast: carrier None
    s.prepared(order_id, 720)
    shipment = s.shipment(order_id)
    assert (shipment.status, shipment.refusal["problem"]) == ("quote_refused", "no_carrier")  # type: ignore[index]
    assert [x.order_id for x in s.app.refused_quotes()] == [order_id]
    s.advance(timedelta(hours=1))
    s.app.choose_carrier(order_id, "FedEx", "ops-1")
    assert s.shipment(order_id).quote["cost_minor"] == 1990  # type: ignore[index]
    assert s.app.refused_quotes() == []
    assert s.types() == ["CarrierTariffPublished", "ShippingQuoteRefused", "ShippingQuoted"]
    with pytest.raises(CarrierChoiceRefused) as refused:
        s.app.choose_carrier(order_id, "DHL", "ops-1")
    assert refused.value.rule == "S1"


def test_S1_a_cancelled_order_is_not_quoted() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.cancelled(order_id)
    s.prepared(order_id, 720)
    assert (s.shipment(order_id).status, s.types()) == ("cancelled", ["CarrierTariffPublished"])


def test_S1_payments_for_goods_do_not_touch_the_shipment() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)
    s.captured(order_id, 5400, purpose="goods")
    assert s.shipment(order_id).payment is None
