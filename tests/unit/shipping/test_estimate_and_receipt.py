"""S3: the estimate, 4-7 business days after the shipping payment (weekends and holidays do not
count; the slowest item decides), and S4: receipt confirmed by the customer after delivery only."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.shipping.domain.errors import ReceiptRefused
from tests.unit.shipping.scenario import T0, ShippingScenario

THURSDAY = timedelta(days=3)  # T0 is Monday 2026-03-02 09:00 UTC


def paid_on_thursday(s: ShippingScenario, lines: tuple[tuple[str, int], ...] = (("RING-STEEL-PEARL", 12),)) -> str:
    order_id = s.placed(lines=lines)
    s.prepared(order_id, 720)
    s.at(THURSDAY)
    s.captured(order_id, 1890)
    return order_id


def window(s: ShippingScenario, order_id: str) -> tuple[date, date]:
    paid = s.shipment(order_id).payment or {}
    earliest: datetime = paid["earliest"]
    latest: datetime = paid["latest"]
    return earliest.date(), latest.date()


def test_S3_estimate_is_4_to_7_business_days_after_payment_across_a_weekend() -> None:
    s = ShippingScenario()
    order_id = paid_on_thursday(s)
    # Fri 6, Mon 9, Tue 10, Wed 11 (4th) ... Thu 12, Fri 13, Mon 16 (7th)
    assert window(s, order_id) == (date(2026, 3, 11), date(2026, 3, 16))


def test_S3_a_holiday_does_not_count() -> None:
    s = ShippingScenario(holidays="2026-03-10")
    order_id = paid_on_thursday(s)
    assert window(s, order_id) == (date(2026, 3, 12), date(2026, 3, 17))


def test_S3_with_many_items_the_slowest_decides_not_their_sum() -> None:
    s = ShippingScenario(processing_days={"CUSTOM-BRAND-TAG": 3, "ENGRAVED-PENDANT": 2})
    order_id = paid_on_thursday(s, lines=(("RING-STEEL-PEARL", 120), ("CUSTOM-BRAND-TAG", 50), ("ENGRAVED-PENDANT", 6)))
    # 4+3 = 7 and 7+3 = 10 business days after Thursday 5 March
    assert window(s, order_id) == (date(2026, 3, 16), date(2026, 3, 19))


def test_S3_the_estimate_counts_from_settlement_not_from_the_voucher() -> None:
    s = ShippingScenario()
    order_id = s.placed()
    s.prepared(order_id, 720)
    s.voucher(order_id, 1890)
    s.at(THURSDAY)
    s.settled(order_id, 1890)
    assert window(s, order_id) == (date(2026, 3, 11), date(2026, 3, 16))


def delivered(s: ShippingScenario) -> str:
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    s.advance(timedelta(days=4))
    s.update(order_id, "delivered", signed_by="A. Ruiz")
    return order_id


def test_S4_receipt_before_delivery_is_refused() -> None:
    s = ShippingScenario()
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    with pytest.raises(ReceiptRefused) as refused:
        s.app.confirm_receipt(order_id, "cust-1")
    assert refused.value.rule == "S4"
    assert str(refused.value) == "the parcel is dispatched: receipt can be confirmed once it is delivered"


def test_S4_the_customer_confirms_receipt_once_after_delivery() -> None:
    s = ShippingScenario()
    order_id = delivered(s)
    s.advance(timedelta(hours=2))
    assert s.app.confirm_receipt(order_id, "cust-1").status == "received"
    s.app.confirm_receipt(order_id, "cust-1")
    assert s.types()[-2:] == ["ParcelDelivered", "ReceiptConfirmed"]
    assert s.published()[-1][1] == {
        "order_id": order_id,
        "customer_id": "cust-1",
        "confirmed_at": (T0 + timedelta(days=4, hours=2)).isoformat().replace("+00:00", "Z"),
    }
