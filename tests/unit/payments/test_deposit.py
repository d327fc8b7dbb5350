"""Deposits (P3): orders paid from the balance, which never goes below zero; refunds back to it (P6)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.payments.domain.deposit import DepositAccount, deposit_account_id
from services.payments.domain.errors import InsufficientDeposit, InvalidPayment, PaymentConflict, RefundExceedsCaptured

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def funded(balance_minor: int) -> DepositAccount:
    account = DepositAccount.open("cust-1", "USD", T0)
    account.credit(balance_minor, "USD", "wire-1", T0)
    return account


def event_names(account: DepositAccount) -> list[str]:
    return [type(e).__name__ for e in account.collect_events()]


def test_P3_deposit_never_below_zero() -> None:
    account = funded(5_000)
    assert not account.covers(6_000)
    with pytest.raises(InsufficientDeposit) as short:
        account.debit("order-1", 6_000, "USD", T0)
    assert str(short.value) == "the deposit balance of 50.00 USD does not cover 60.00 USD"
    assert (short.value.field, short.value.rule) == ("amount", "P3")
    assert account.balance_minor == 5_000
    # exactly the balance is fine, and leaves zero
    assert account.debit("order-2", 5_000, "USD", T0)
    assert account.balance_minor == 0
    with pytest.raises(InsufficientDeposit):
        account.debit("order-3", 1, "USD", T0)
    assert event_names(account) == ["Opened", "Credited", "Debited"]


def test_P3_debiting_the_same_order_twice_takes_the_money_once() -> None:
    account = funded(10_000)
    assert account.debit("order-1", 3_000, "USD", T0)
    assert not account.debit("order-1", 3_000, "USD", T0)
    with pytest.raises(PaymentConflict) as other_amount:
        account.debit("order-1", 3_500, "USD", T0)
    assert str(other_amount.value) == "order order-1's goods was already debited 30.00 USD"
    assert (other_amount.value.field, other_amount.value.rule) == ("order_id", "P3")
    # the shipping of the same order is a second payment (P7)
    assert account.debit("order-1", 1_800, "USD", T0, purpose="shipping")
    assert (account.balance_minor, account.debited_for("order-1"), account.debited_for("order-1", "shipping")) == (
        5_200,
        3_000,
        1_800,
    )
    assert event_names(account) == ["Opened", "Credited", "Debited", "Debited"]


def test_P3_a_credit_reference_counts_once() -> None:
    account = funded(2_000)
    assert not account.credit(2_000, "USD", "wire-1", T0)
    assert account.credit(500, "USD", "wire-2", T0)
    assert account.balance_minor == 2_500


def test_P3_money_in_another_currency_or_not_in_minor_units_is_refused() -> None:
    account = funded(2_000)
    with pytest.raises(InvalidPayment) as currency:
        account.credit(1_000, "EUR", "wire-2", T0)
    assert (currency.value.field, currency.value.rule) == ("currency", "P3")
    with pytest.raises(InvalidPayment) as amount:
        account.debit("order-1", 10.5, "USD", T0)  # type: ignore[arg-type]
    assert (amount.value.field, amount.value.rule) == ("amount", "P3")
    assert account.balance_minor == 2_000


def test_P6_refunds_to_the_deposit_never_exceed_what_the_order_was_debited() -> None:
    account = funded(10_000)
    account.debit("order-1", 8_000, "USD", T0)
    assert account.refund("order-1", 1_200, "shortage", "refund-1", T0)
    assert not account.refund("order-1", 1_200, "shortage", "refund-1", T0)
    with pytest.raises(RefundExceedsCaptured) as exceeded:
        account.refund("order-1", 6_801, "cancellation", "refund-2", T0)
    assert str(exceeded.value) == "a refund of 68.01 USD exceeds the 68.00 USD left to refund for order order-1's goods"
    assert (exceeded.value.field, exceeded.value.rule) == ("amount", "P6")
    with pytest.raises(RefundExceedsCaptured):
        account.refund("order-9", 1, "cancellation", "refund-3", T0)
    assert account.refund("order-1", 6_800, "cancellation", "refund-2", T0)
    assert (account.balance_minor, account.refunded_for("order-1")) == (10_000, 8_000)
    assert event_names(account) == ["Opened", "Credited", "Debited", "Refunded", "Refunded"]


def test_P3_one_account_per_customer() -> None:
    assert funded(1).id == deposit_account_id("cust-1") != deposit_account_id("cust-2")
