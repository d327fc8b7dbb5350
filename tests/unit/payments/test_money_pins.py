"""The payments' money rules pinned at their edges (card prefixes and separators, amounts and
currencies, zero-decimal and negative formatting, the deposit's refusals and refund caps per
purpose), so that every non-equivalent mutant of cards.py, money.py and deposit.py fails a test
(`make mutate`, mutation/equivalent.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.payments.domain import cards
from services.payments.domain.cards import detect_network, digits_of, luhn_valid, validate_card
from services.payments.domain.deposit import DepositAccount
from services.payments.domain.errors import (
    CardRefused,
    InvalidCard,
    InvalidPayment,
    PaymentError,
    PaymentNotFound,
    RefundExceedsCaptured,
)
from services.payments.domain.money import check_amount, check_currency, format_money

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WE_TAKE = "we take Visa, MasterCard or JCB"


def refusal(error: PaymentError) -> tuple[str, str, str]:
    return str(error), error.field, error.rule


# --- cards (P1) ------------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["3400 000000 00009", "340000000000009", "3700 000000 00002"])
def test_P1_amex_34_and_37_are_refused_by_name(number: str) -> None:
    assert detect_network(number) == "American Express"
    with pytest.raises(CardRefused) as refused:
        validate_card(number)
    assert refusal(refused.value) == (f"American Express is not accepted: {WE_TAKE}", "card.number", "P1")


@pytest.mark.parametrize("number", ["3 5 2 8 0 0 0 0 0 0 0 0 0 0 0 0", "3-5-2-8-0000-0000-0000", "35 28-0000"])
def test_P1_the_network_is_read_past_spaces_and_dashes_inside_the_prefix(number: str) -> None:
    assert detect_network(number) == "JCB"


def test_P1_a_card_number_that_is_not_a_string_is_invalid() -> None:
    with pytest.raises(InvalidCard) as invalid:
        digits_of(4111111111111111)  # type: ignore[arg-type]
    assert refusal(invalid.value) == ("the card number must be a string of digits", "card.number", "P1")


@pytest.mark.parametrize("number", ["4111 1111 1111 111x", "", " - ", "\uff14" * 16])
def test_P1_a_card_number_with_other_characters_is_invalid(number: str) -> None:
    with pytest.raises(InvalidCard) as invalid:
        validate_card(number)
    assert refusal(invalid.value) == (
        "the card number may contain only digits, spaces and dashes",
        "card.number",
        "P1",
    )


def test_P1_luhn_is_false_for_anything_but_digits() -> None:
    assert luhn_valid("4111111111111111") is True
    assert luhn_valid("4111-1111-1111-1111") is False
    assert luhn_valid("4111111111111112") is False


def test_P1_an_unrecognised_network_and_a_wrong_length_name_field_and_rule() -> None:
    with pytest.raises(CardRefused) as unknown:
        validate_card("9111111111111111")
    assert refusal(unknown.value) == (f"this card's network is not recognised: {WE_TAKE}", "card.number", "P1")
    with pytest.raises(InvalidCard) as short:
        validate_card("4111 1111 1111 11")
    assert refusal(short.value) == ("a Visa card number has 13, 16 or 19 digits, this one has 14", "card.number", "P1")
    with pytest.raises(InvalidCard) as jcb:
        validate_card("3528 0000 0000 000")
    assert str(jcb.value) == "a JCB card number has 16 to 19 digits, this one has 15"


@pytest.mark.parametrize(
    ("lengths", "said"),
    [((16,), "16"), ((18, 19), "18 or 19"), ((13, 16, 19), "13, 16 or 19"), ((13, 14, 15), "13 to 15")],
)
def test_P1_lengths_read_one_two_or_a_run(lengths: tuple[int, ...], said: str) -> None:
    assert cards._choices(lengths) == said


# --- amounts, currencies and formatting ------------------------------------------------------------
@pytest.mark.parametrize(("amount", "shown"), [("12", "'12'"), (True, "True"), (12.5, "12.5")])
def test_P1_an_amount_must_be_a_whole_number_of_minor_units(amount: object, shown: str) -> None:
    with pytest.raises(InvalidPayment) as invalid:
        check_amount(amount, rule="P1", field="amount.amount_minor")
    assert refusal(invalid.value) == (
        f"amount must be a whole number of minor units, got {shown}",
        "amount.amount_minor",
        "P1",
    )


@pytest.mark.parametrize("amount", [0, -1])
def test_P1_an_amount_must_be_positive(amount: int) -> None:
    with pytest.raises(InvalidPayment) as invalid:
        check_amount(amount, rule="P6")
    assert refusal(invalid.value) == (f"amount must be positive, got {amount}", "amount", "P6")
    assert check_amount(1, rule="P6") == 1


@pytest.mark.parametrize("currency", ["usd", "US", "USDT", 840, None])
def test_P1_a_currency_must_be_an_iso_code(currency: object) -> None:
    with pytest.raises(InvalidPayment) as invalid:
        check_currency(currency, rule="P3")
    assert refusal(invalid.value) == (
        f"currency must be an ISO 4217 code such as USD, got {currency!r}",
        "currency",
        "P3",
    )


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1250, "USD", "12.50 USD"),
        (7, "EUR", "0.07 EUR"),
        (0, "USD", "0.00 USD"),
        (-1250, "USD", "-12.50 USD"),
        (-5, "EUR", "-0.05 EUR"),
        (1250, "JPY", "1250 JPY"),
        (-1250, "JPY", "-1250 JPY"),
        (5, "KRW", "5 KRW"),
    ],
)
def test_P3_money_is_formatted_with_its_currencys_decimals_and_sign(amount: int, currency: str, shown: str) -> None:
    assert format_money(amount, currency) == shown


# --- the deposit (P3) and refunds to it (P6) -------------------------------------------------------
def funded(balance_minor: int) -> DepositAccount:
    account = DepositAccount.open("cust-1", "USD", T0)
    account.credit(balance_minor, "USD", "wire-1", T0)
    account.collect_events()
    return account


def recorded(account: DepositAccount) -> list[Any]:
    """The events recorded since the last call (their attributes are the event's arguments)."""
    return list(account.collect_events())


def test_P3_opening_records_the_instant_and_names_bad_input() -> None:
    account = DepositAccount.open("cust-1", "USD", T0)
    [opened] = recorded(account)
    assert (opened.customer_id, opened.currency, opened.at) == ("cust-1", "USD", T0)
    with pytest.raises(InvalidPayment) as blank:
        DepositAccount.open(" ", "USD", T0)
    assert refusal(blank.value) == ("customer_id must be a non-empty string", "customer_id", "P3")
    with pytest.raises(InvalidPayment) as currency:
        DepositAccount.open("cust-1", "usd", T0)
    assert (currency.value.field, currency.value.rule) == ("currency", "P3")


def test_P3_a_credit_without_a_reference_or_in_another_currency_is_refused() -> None:
    account = funded(1_000)
    with pytest.raises(InvalidPayment) as blank:
        account.credit(500, "USD", "", T0)
    assert refusal(blank.value) == ("reference must be a non-empty string", "reference", "P3")
    with pytest.raises(InvalidPayment) as foreign:
        account.credit(500, "EUR", "wire-2", T0)
    assert refusal(foreign.value) == ("this deposit is held in USD, not 'EUR'", "currency", "P3")
    assert (account.balance_minor, account.collect_events()) == (1_000, [])
    assert account.credit(250, "USD", "wire-2", T0) is True
    assert account.credit(999, "USD", "wire-2", T0) is False  # a reference counts once
    assert (account.balance_minor, account.credits) == (1_250, {"wire-1": 1_000, "wire-2": 250})


def test_P3_a_debit_checks_the_order_and_the_purpose_and_takes_goods_by_default() -> None:
    account = funded(1_000)
    account.check_debit("order-1", 1_000, "USD")  # goods, covered: no error
    with pytest.raises(InvalidPayment) as blank:
        account.check_debit(" ", 100, "USD")
    assert refusal(blank.value) == ("order_id must be a non-empty string", "order_id", "P3")
    with pytest.raises(InvalidPayment) as purpose:
        account.check_debit("order-1", 100, "USD", "tip")
    assert refusal(purpose.value) == ("purpose must be one of goods, shipping, sample_fee", "purpose", "P3")


def test_P3_a_refused_debit_is_recorded_once_per_order_purpose_and_amount() -> None:
    account = funded(100)
    assert account.refuse_debit("order-1", "goods", 500, "short", T0) is True
    assert account.refuse_debit("order-1", "goods", 500, "short", T0) is False
    assert account.refuse_debit("order-1", "shipping", 500, "short", T0) is True
    assert account.refuse_debit("order-1", "goods", 400, "reduced, still short", T0) is True
    assert [(e.purpose, e.amount_minor) for e in recorded(account)] == [
        ("goods", 500),
        ("shipping", 500),
        ("goods", 400),
    ]
    assert (account.awaiting("order-1", "goods"), account.awaiting("order-1", "shipping")) == (400, 500)
    account.credit(1_000, "USD", "wire-2", T0)
    assert account.debit("order-1", 400, "USD", T0, "goods")
    account.collect_events()
    assert account.refuse_debit("order-1", "goods", 300, "short", T0) is False  # paid: nothing awaits
    assert account.collect_events() == []
    assert account.amount_awaited("order-1", "goods") == 0


def test_P3_an_order_that_never_waited_for_the_deposit_is_not_found() -> None:
    account = funded(100)
    with pytest.raises(PaymentNotFound) as missing:
        account.amount_awaited("order-9", "goods")
    assert refusal(missing.value) == (
        "order order-9's goods is not waiting for a payment from your deposit",
        "order_id",
        "P3",
    )


def test_P6_P3_a_refund_back_to_the_deposit_is_capped_per_purpose() -> None:
    account = funded(2_000)
    account.debit("order-1", 1_000, "USD", T0, "goods")
    account.debit("order-1", 500, "USD", T0, "shipping")
    with pytest.raises(RefundExceedsCaptured) as over:
        account.refund("order-1", 501, "cancelled", "ref-1", T0, purpose="shipping")
    assert refusal(over.value) == (
        "a refund of 5.01 USD exceeds the 5.00 USD left to refund for order order-1's shipping",
        "amount",
        "P6",
    )
    assert account.refund("order-1", 500, "cancelled", "ref-1", T0, purpose="shipping") is True
    assert (account.refundable_for("order-1", "shipping"), account.refundable_for("order-1")) == (0, 1_000)
    assert account.refund("order-1", 1_000, "cancelled", "ref-2", T0) is True
    assert account.balance_minor == 2_000


@pytest.mark.parametrize(
    ("amount", "reason", "reference", "expected"),
    [
        (100, "cancelled", " ", ("reference must be a non-empty string", "reference", "P6")),
        (100, "", "ref-1", ("reason must be a non-empty string", "reason", "P6")),
        (0, "cancelled", "ref-1", ("amount must be positive, got 0", "amount", "P6")),
    ],
)
def test_P6_a_refund_to_the_deposit_names_its_bad_input(
    amount: int, reason: str, reference: str, expected: tuple[str, str, str]
) -> None:
    account = funded(1_000)
    account.debit("order-1", 1_000, "USD", T0)
    with pytest.raises(InvalidPayment) as invalid:
        account.refund("order-1", amount, reason, reference, T0)
    assert refusal(invalid.value) == expected
