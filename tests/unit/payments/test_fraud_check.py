"""Fraud sampling (P5): the draw is an event, so neither a replay nor a redelivery re-rolls it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from services.payments.domain.errors import InvalidPayment, PaymentConflict
from services.payments.domain.review import DEFAULT_SHARE, FraudCheck, fraud_check_id, fraud_draw

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_P5_fraud_draw_is_recorded_and_not_rerolled_on_replay() -> None:
    app: Application[Any] = Application()
    check = FraudCheck.draw("order-1", DEFAULT_SHARE, 0.01, T0)
    app.save(check)
    replayed: FraudCheck = app.repository.get(fraud_check_id("order-1"))
    assert (replayed.selected, replayed.share, replayed.held, replayed.cleared) == (True, 0.05, True, False)
    assert [type(e).__name__ for e in app.repository.event_store.get(check.id)] == ["FraudDrawRecorded"]
    # a redelivered request draws again with another value: the store refuses the second draw
    with pytest.raises(IntegrityError):
        app.save(FraudCheck.draw("order-1", DEFAULT_SHARE, 0.99, T0))
    assert app.repository.get(check.id).selected is True


@pytest.mark.parametrize(
    ("share", "rng_value", "selected"),
    [
        (0.05, 0.0, True),
        (0.05, 0.0499, True),
        (0.05, 0.05, False),
        (0.05, 0.9999, False),
        (0.0, 0.0, False),
        (1.0, 0.9999, True),
    ],
)
def test_P5_a_share_of_orders_is_held(share: float, rng_value: float, selected: bool) -> None:
    assert fraud_draw(share, rng_value) is selected


@pytest.mark.parametrize(
    ("share", "rng_value", "field"), [(1.5, 0.1, "share"), (-0.1, 0.1, "share"), (0.05, 1.0, "rng_value")]
)
def test_P5_draw_inputs_are_checked(share: float, rng_value: float, field: str) -> None:
    with pytest.raises(InvalidPayment) as invalid:
        fraud_draw(share, rng_value)
    assert (invalid.value.field, invalid.value.rule) == (field, "P5")


def test_P5_ops_approve_a_held_order_once() -> None:
    check = FraudCheck.draw("order-1", 0.05, 0.01, T0)
    check.approve("ops-ana", "called the customer", T0)
    assert (check.held, check.cleared, check.review) == (False, True, "approved")
    with pytest.raises(PaymentConflict) as again:
        check.reject("ops-bo", "changed my mind", T0)
    assert str(again.value) == "order order-1 was already approved by ops-ana"
    assert (again.value.field, again.value.rule) == ("review", "P5")
    assert [type(e).__name__ for e in check.collect_events()] == ["FraudDrawRecorded", "ReviewApproved"]


def test_P5_a_rejected_order_is_not_cleared() -> None:
    check = FraudCheck.draw("order-1", 0.05, 0.01, T0)
    check.reject("ops-ana", "stolen card report", T0)
    assert (check.held, check.cleared, check.review) == (False, False, "rejected")
    assert [type(e).__name__ for e in check.collect_events()] == ["FraudDrawRecorded", "ReviewRejected"]


def test_P5_an_order_not_drawn_cannot_be_reviewed() -> None:
    check = FraudCheck.draw("order-1", 0.05, 0.5, T0)
    assert (check.held, check.cleared) == (False, True)
    with pytest.raises(PaymentConflict) as not_drawn:
        check.approve("ops-ana", "", T0)
    assert str(not_drawn.value) == "order order-1 was not selected for review"
