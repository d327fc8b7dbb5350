"""S2: dispatch only once the shipping payment is settled; a tracking number with the carrier's
prefix and a check digit that no other parcel has."""

from __future__ import annotations

import re

import pytest

from services.shipping.domain.errors import DispatchRefused
from services.shipping.domain.parcels import ParcelIndex
from services.shipping.domain.tracking import check_digit, tracking_number, tracking_problem
from tests.unit.shipping.scenario import ShippingScenario


def refusal(s: ShippingScenario, order_id: str) -> str:
    with pytest.raises(DispatchRefused) as refused:
        s.app.dispatch(order_id, "ops-1")
    assert refused.value.rule == "S2"
    return str(refused.value)


def test_S2_dispatch_is_refused_until_the_shipping_is_paid_then_gives_a_dhl_tracking_number() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    assert refusal(s, order_id) == "shipping has not been quoted yet"
    s.prepared(order_id, 720)
    assert refusal(s, order_id) == "the shipping cost is not paid yet"
    s.captured(order_id, 1890)
    shipment = s.app.dispatch(order_id, "ops-1")
    assert re.fullmatch(r"JD\d{11}", shipment.tracking_number or "")
    assert tracking_problem("DHL", shipment.tracking_number or "") is None
    assert s.types()[-1] == "ParcelDispatched"
    assert s.published()[-1][1]["tracking_number"] == shipment.tracking_number


def test_S2_a_voucher_alone_is_not_money_dispatch_waits_for_the_transfer_to_settle() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)
    s.voucher(order_id, 1890)
    assert refusal(s, order_id) == (
        "the shipping cost is not paid yet (a voucher was received; the transfer has not settled)"
    )
    s.settled(order_id, 1890)
    assert s.app.dispatch(order_id, "ops-1").status == "dispatched"


def test_S2_a_deposit_debit_pays_the_shipping() -> None:
    s = ShippingScenario()
    order_id = s.placed(carrier="FedEx")
    s.prepared(order_id, 720)
    s.debited(order_id, 1990)
    assert s.app.dispatch(order_id, "ops-1").tracking_number.startswith("FX")  # type: ignore[union-attr]


def test_S2_less_than_the_quote_does_not_dispatch() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)
    s.captured(order_id, 1000)
    assert refusal(s, order_id) == "paid 1000 USD of the quoted 1890 USD"


def test_S2_a_cancelled_order_is_never_dispatched() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)
    s.cancelled(order_id)
    assert refusal(s, order_id) == "the order was cancelled: nothing is dispatched"


def test_S2_O4_an_expired_order_is_never_dispatched() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)
    s.expired(order_id)
    assert refusal(s, order_id) == "the order was cancelled: nothing is dispatched"


def test_S2_P2_a_transfer_settled_in_parts_allows_dispatch_once_the_parts_cover_the_quote() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)  # quoted 1,890
    s.settled(order_id, 1000, covered=False)
    assert refusal(s, order_id) == "the shipping cost is not paid yet"
    s.settled(order_id, 890, covered=True)
    assert s.app.dispatch(order_id, "ops-1").tracking_number is not None


def test_S2_dispatching_twice_gives_the_same_parcel_and_publishes_once() -> None:
    s = ShippingScenario()
    order_id = s.ready_to_dispatch()
    first = s.app.dispatch(order_id, "ops-1").tracking_number
    assert s.app.dispatch(order_id, "ops-2").tracking_number == first
    assert s.types().count("ParcelDispatched") == 1


def test_S2_a_tracking_number_another_parcel_has_is_never_reused() -> None:
    s = ShippingScenario()
    order_id = s.ready_to_dispatch()
    taken = tracking_number("DHL", order_id, 0)
    s.app.save(ParcelIndex(taken, "DHL", "another-order"))
    number = s.app.dispatch(order_id, "ops-1").tracking_number
    assert number == tracking_number("DHL", order_id, 1) != taken


def test_S2_check_digit_and_tracking_number_checks() -> None:
    assert check_digit("7992739871") == 3  # the textbook Luhn example 79927398713
    number = tracking_number("FedEx", "order-1")
    assert tracking_problem("FedEx", number) is None
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert tracking_problem("FedEx", wrong) == f"{wrong}: the check digit does not match"
    assert tracking_problem("DHL", number) == f"{number} is not a DHL tracking number (they start with JD)"
    assert tracking_problem("DHL", "JD123") is not None
