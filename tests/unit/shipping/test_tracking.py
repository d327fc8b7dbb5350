"""S3: carrier updates move the parcel (customs may hold it and stop updates until cleared);
replayed, out-of-order or impossible updates change nothing; a parcel silent too long is late."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.shipping.domain.errors import InvalidTrackingUpdate, TrackingRefused, UnknownParcel
from shared.runtime.timers import timer_id
from tests.unit.shipping.scenario import ShippingScenario


def dispatched(s: ShippingScenario) -> str:
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    return order_id


def test_S3_a_parcel_goes_through_customs_and_is_delivered_signed() -> None:
    s = ShippingScenario()
    order_id = dispatched(s)
    for hours, status in [(5, "in_transit"), (30, "held_at_customs"), (120, "cleared"), (140, "out_for_delivery")]:
        s.advance(timedelta(hours=hours))
        assert s.update(order_id, status, location="somewhere") is True
    s.advance(timedelta(hours=3))
    assert s.update(order_id, "delivered", signed_by="A. Ruiz") is True
    shipment = s.shipment(order_id)
    assert [u["status"] for u in shipment.updates] == [
        "in_transit",
        "held_at_customs",
        "cleared",
        "out_for_delivery",
        "delivered",
    ]
    assert shipment.delivered == {"signed_by": "A. Ruiz", "signed_at": s.clock.now()}
    event_type, payload = s.published()[-1]
    signature = payload.pop("signature")  # X4: who signed leaves sealed under the customer's key
    assert (event_type, signature["alg"], "A. Ruiz" in str(signature)) == ("ParcelDelivered", "A256GCM", False)
    assert payload == {
        "order_id": order_id,
        "signed_by": None,
        "delivered_at": s.clock.now().isoformat().replace("+00:00", "Z"),
    }


def test_S3_a_replayed_update_is_acknowledged_and_changes_nothing() -> None:
    s = ShippingScenario()
    order_id = dispatched(s)
    assert s.update(order_id, "in_transit", update_id="dhl-1") is True
    stored = s.app.max_notification_id()
    s.advance(timedelta(minutes=1))
    assert s.update(order_id, "in_transit", update_id="dhl-1") is False
    assert s.app.max_notification_id() == stored


def test_S3_out_of_order_and_impossible_updates_are_refused_and_change_nothing() -> None:
    s = ShippingScenario()
    order_id = dispatched(s)
    s.advance(timedelta(hours=10))
    s.update(order_id, "held_at_customs")
    stored = s.app.max_notification_id()
    with pytest.raises(TrackingRefused, match="out of order"):
        s.update(order_id, "in_transit", at=s.clock.now() - timedelta(hours=1))
    with pytest.raises(TrackingRefused, match="a parcel held_at_customs cannot become out_for_delivery"):
        s.update(order_id, "out_for_delivery")
    s.update(order_id, "cleared")
    s.update(order_id, "delivered", signed_by="A. Ruiz")
    stored = s.app.max_notification_id()
    with pytest.raises(TrackingRefused, match="a parcel delivered cannot become in_transit"):
        s.update(order_id, "in_transit")
    assert s.app.max_notification_id() == stored


def test_S3_a_delivery_must_name_who_signed_and_an_unknown_parcel_is_refused() -> None:
    s = ShippingScenario()
    order_id = dispatched(s)
    with pytest.raises(InvalidTrackingUpdate) as unsigned:
        s.update(order_id, "delivered")
    assert (unsigned.value.field, unsigned.value.rule) == ("signed_by", "S4")
    number = s.shipment(order_id).tracking_number
    with pytest.raises(UnknownParcel):  # a FedEx call about a DHL parcel
        s.app.track("FedEx", {"update_id": "x", "tracking_number": number, "status": "in_transit"})


def test_S3_a_parcel_without_updates_for_the_configured_time_is_listed_late_until_one_comes() -> None:
    s = ShippingScenario(late_after_hours=48)
    order_id = dispatched(s)
    s.advance(timedelta(hours=47))
    s.advance(timedelta(hours=2))
    assert s.fire_silence_alarm(order_id, 0) is True  # the timer set at dispatch, due after 48 h
    assert [x.order_id for x in s.app.late_parcels()] == [order_id]
    assert s.shipment(order_id).late["silent_since"] == s.shipment(order_id).dispatched["at"]  # type: ignore[index]
    s.update(order_id, "in_transit")
    assert s.app.late_parcels() == []


def test_S3_an_update_before_the_alarm_is_due_stops_that_alarm() -> None:
    s = ShippingScenario(late_after_hours=48)
    order_id = dispatched(s)
    s.advance(timedelta(hours=20))
    s.update(order_id, "in_transit")
    s.advance(timedelta(hours=30))
    assert s.fire_silence_alarm(order_id, 0) is True  # fires, finds a newer update: nothing flagged
    assert s.app.late_parcels() == []


def test_S3_customs_stops_the_no_update_alarm_until_cleared() -> None:
    s = ShippingScenario(late_after_hours=48)
    order_id = dispatched(s)
    s.advance(timedelta(hours=5))
    s.update(order_id, "held_at_customs")
    assert timer_id("parcel-silent", f"{order_id}#1") not in s.app.repository  # no alarm while held
    s.advance(timedelta(days=10))
    assert s.fire_silence_alarm(order_id, 0) is True  # the dispatch alarm finds the parcel in customs
    assert s.app.late_parcels() == []
    s.update(order_id, "cleared")
    s.advance(timedelta(hours=49))
    assert s.fire_silence_alarm(order_id, 2) is True  # set when cleared: the alarm runs again
    assert [x.order_id for x in s.app.late_parcels()] == [order_id]
