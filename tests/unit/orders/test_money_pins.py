"""The orders' money rules pinned at their edges (the fee's rounding below, at and above the half;
the terms of orders not yet placed, cancelled or shipping-quoted; lines priced for a change), so
that every non-equivalent mutant of the cancellation, lines and values modules fails a test
(`make mutate`, mutation/equivalent.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.orders.domain import cancellation
from services.orders.domain.errors import MixedCurrencies, UnknownProduct
from services.orders.domain.lines import reduce_lines
from services.orders.domain.values import CancellationTerms, OrderLine, ReducedLine, percent_of
from services.orders.settings import OrdersSettings
from shared.events import Money
from shared.events import inventory as inv
from tests.unit.orders.scenario import T0, Scenario

H = timedelta(hours=1)
S = timedelta(seconds=1)
POLICY = OrdersSettings().cancellation_policy
"""The policy version stamped on new confirmations (the setting's default)."""


def confirmed(s: Scenario, lines: list[tuple[str, int]], total: int):
    order_id = s.place(lines)
    s.pay(order_id, total)
    return order_id


def fields(terms: CancellationTerms) -> tuple[object, ...]:
    return (
        terms.status,
        terms.cancellable,
        terms.fee_minor,
        terms.refund_minor,
        terms.currency,
        terms.reason,
        terms.policy_version,
        terms.at,
        terms.hours_since_placed,
    )


# --- the fee's rounding (O5: half up) --------------------------------------------------------------
@pytest.mark.parametrize(
    ("rings", "total", "fee"),
    [(1, 335, 50), (2, 670, 101), (3, 1005, 151)],
    ids=["50.25-down", "100.50-up-where-half-even-keeps-100", "150.75-up"],
)
def test_O5_the_fee_rounds_half_up_and_only_from_the_half(rings: int, total: int, fee: int) -> None:
    """15 % of 335 n = 50.25 n: below the half rounds down (a ceiling would take 51), at the half up
    (half-even would keep 100), above the half up (a floor would keep 150)."""
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", rings)], total)
    terms = s.app.cancellation_terms(order_id, T0 + 10 * H)
    assert (terms.fee_minor, terms.refund_minor) == (fee, total - fee)


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [(30, "15", 5), (10, "15", 2), (50, "15", 8), (70, "15", 11), (1, "50", 1), (3, "50", 2), (2010, "15", 302)],
)
def test_O5_percent_of_rounds_half_up_to_a_whole_minor_unit(amount: int, percent: str, expected: int) -> None:
    assert percent_of(amount, percent) == expected


# --- terms in every status (O5) --------------------------------------------------------------------
def test_O5_terms_before_the_order_was_placed_allow_nothing_and_say_why() -> None:
    s = Scenario()
    order_id = s.place([("ODD-PRICE", 6)])
    before = T0 - S
    expected = (None, False, 0, 0, "", "the order had not been placed at that instant", POLICY, before, None)
    assert fields(s.app.cancellation_terms(order_id, before)) == expected
    history = s.app.domain_events(order_id)
    assert fields(cancellation.quote(history, before, current=s.app.policy_version)) == expected


def test_O5_terms_in_the_free_window_name_it_and_count_hours_to_four_decimals() -> None:
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)
    free = "within 6 h of placing: cancelling is free"
    assert fields(s.app.cancellation_terms(order_id, T0 + S)) == (
        "Confirmed",
        True,
        0,
        2010,
        "USD",
        free,
        POLICY,
        T0 + S,
        0.0003,
    )
    assert s.app.cancellation_terms(order_id, T0 + 5 * H).hours_since_placed == 5.0
    assert s.app.cancellation_terms(order_id, T0 + 30 * 60 * S).hours_since_placed == 0.5
    charged = s.app.cancellation_terms(order_id, T0 + 6 * H + 90 * S)
    assert (charged.hours_since_placed, charged.reason) == (
        6.025,
        "6-72 h after placing: a fee of 15 % of the order total",
    )


def test_O5_terms_of_a_cancelled_order_charge_nothing_and_give_nothing_back() -> None:
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)
    s.at(10 * H)
    assert s.app.cancel(order_id).fee_minor == 302
    at = T0 + 20 * H
    assert fields(s.app.cancellation_terms(order_id, at)) == (
        "Cancelled",
        False,
        0,
        0,
        "USD",
        "the order is already cancelled",
        POLICY,
        at,
        20.0,
    )


def test_O5_terms_once_shipping_is_quoted_charge_nothing_and_say_why() -> None:
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)
    s.at(10 * H)
    s.picking(order_id, weight=30)
    s.quote_shipping(order_id, 1200)
    at = T0 + 12 * H
    assert fields(s.app.cancellation_terms(order_id, at)) == (
        "AwaitingShippingPayment",
        False,
        0,
        0,
        "USD",
        "the order is AwaitingShippingPayment: shipping has been quoted, it can no longer be cancelled",
        POLICY,
        at,
        12.0,
    )


# --- lines priced for a change (O7) and reduced for a shortfall (I3) -------------------------------
def test_O7_a_change_prices_a_new_product_from_the_catalogue_and_keeps_the_old_prices() -> None:
    s = Scenario()
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)
    s.catalogue("ODD-PRICE", 999, moq=1)  # relisted after the order: the order keeps 335
    order = s.app.change_order(order_id, "am-1", "add necklaces", [("ODD-PRICE", 7), ("NECK-ZIRC-PEND", 6)])
    assert order.lines == [OrderLine("ODD-PRICE", 7, 335), OrderLine("NECK-ZIRC-PEND", 6, 780)]
    assert order.total_minor == 7 * 335 + 6 * 780


def test_O1_O7_a_change_names_an_unknown_or_foreign_priced_product_by_its_line() -> None:
    s = Scenario()
    s.feed(
        inv.SkuCatalogued(
            sku="EURO-RING",
            name="EURO-RING",
            unit_price=Money(amount_minor=500, currency="EUR"),
            moq=1,
            weight_grams=5,
        )
    )
    order_id = confirmed(s, [("ODD-PRICE", 6)], 2010)
    with pytest.raises(UnknownProduct) as unknown:
        s.app.change_order(order_id, "am-1", "typo", [("ODD-PRICE", 6), ("NO-SUCH", 6)])
    assert str(unknown.value) == "no product 'NO-SUCH' in the catalogue"
    assert (unknown.value.field, unknown.value.rule) == ("lines.1.sku", "O1")
    with pytest.raises(MixedCurrencies) as mixed:
        s.app.change_order(order_id, "am-1", "euro ring", [("ODD-PRICE", 6), ("EURO-RING", 6)])
    assert str(mixed.value) == "EURO-RING is priced in EUR, the order in USD: one order takes one currency"
    assert (mixed.value.field, mixed.value.rule) == ("lines.1.sku", "O1")
    assert s.order(order_id).lines == [OrderLine("ODD-PRICE", 6, 335)]


def test_O1_an_unknown_product_at_checkout_is_named() -> None:
    s = Scenario()
    with pytest.raises(UnknownProduct) as unknown:
        s.place([("NO-SUCH", 6)])
    assert str(unknown.value) == "no product 'NO-SUCH' in the catalogue"
    assert (unknown.value.field, unknown.value.rule) == ("lines.0.sku", "O1")


def test_I3_a_line_cut_to_nothing_goes_to_0_and_a_line_left_whole_is_not_reduced() -> None:
    lines = [OrderLine("A", 5, 100), OrderLine("B", 3, 200), OrderLine("C", 2, 50)]
    reduced, after = reduce_lines(lines, {"A": 0, "B": 3, "C": -1})
    assert reduced == [ReducedLine("A", 5, 0), ReducedLine("C", 2, 0)]
    assert after == [OrderLine("A", 0, 100), OrderLine("B", 3, 200), OrderLine("C", 0, 50)]
