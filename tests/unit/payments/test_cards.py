"""Card rules (P1): Visa, MasterCard and JCB by issuer range; every other network refused by name."""

from __future__ import annotations

import pytest

from services.payments.domain.cards import CardSummary, detect_network, luhn_valid, validate_card
from services.payments.domain.errors import CardRefused, InvalidCard

WE_TAKE = "we take Visa, MasterCard or JCB"


def test_P1_amex_is_refused_with_a_clear_error() -> None:
    with pytest.raises(CardRefused) as refused:
        validate_card("3782 822463 10005")
    assert str(refused.value) == f"American Express is not accepted: {WE_TAKE}"
    assert (refused.value.field, refused.value.rule) == ("card.number", "P1")


@pytest.mark.parametrize(
    ("number", "network"),
    [
        ("371449635398431", "American Express"),
        ("6011111111111117", "Discover"),
        ("6445644564456445", "Discover"),
        ("6500000000000002", "Discover"),
        ("30569309025904", "Diners Club"),
        ("36227206271667", "Diners Club"),
        ("6200000000000005", "UnionPay"),
    ],
)
def test_P1_other_networks_are_refused_by_name(number: str, network: str) -> None:
    with pytest.raises(CardRefused, match=f"^{network} is not accepted: {WE_TAKE}$") as refused:
        validate_card(number)
    assert refused.value.field == "card.number"
    assert number not in str(refused.value)


@pytest.mark.parametrize("number", ["6759649826438453", "5018000000000009", "9999999999999995"])
def test_P1_unrecognised_networks_such_as_maestro_are_refused(number: str) -> None:
    assert detect_network(number) == "unknown"
    with pytest.raises(CardRefused, match=f"^this card's network is not recognised: {WE_TAKE}$"):
        validate_card(number)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4111111111111111", CardSummary("Visa", "1111")),
        ("4111 1111 1111 1111", CardSummary("Visa", "1111")),
        ("4222222222222", CardSummary("Visa", "2222")),
        ("4000000000000000006", CardSummary("Visa", "0006")),
        ("5555-5555-5555-4444", CardSummary("MasterCard", "4444")),
        ("2223003122003222", CardSummary("MasterCard", "3222")),
        ("3530111333300000", CardSummary("JCB", "0000")),
        ("3566000020000410", CardSummary("JCB", "0410")),
    ],
)
def test_P1_accepted_networks_give_only_network_and_last_four(number: str, expected: CardSummary) -> None:
    summary = validate_card(number)
    assert summary == expected
    network, last4 = summary
    assert (network, last4) == tuple(expected)


@pytest.mark.parametrize(
    ("prefix", "network"),
    [
        ("2220", "unknown"),
        ("2221", "MasterCard"),
        ("2720", "MasterCard"),
        ("2721", "unknown"),
        ("50", "unknown"),
        ("51", "MasterCard"),
        ("55", "MasterCard"),
        ("56", "unknown"),
        ("3527", "unknown"),
        ("3528", "JCB"),
        ("3589", "JCB"),
        ("3590", "unknown"),
        ("300", "Diners Club"),
        ("305", "Diners Club"),
        ("306", "unknown"),
        ("643", "unknown"),
        ("644", "Discover"),
        ("649", "Discover"),
        ("6011", "Discover"),
        ("6012", "unknown"),
    ],
)
def test_P1_issuer_range_edges(prefix: str, network: str) -> None:
    assert detect_network(prefix.ljust(16, "0")) == network


def test_P1_a_mistyped_number_fails_the_luhn_check_without_echoing_it() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    with pytest.raises(InvalidCard) as invalid:
        validate_card("4111111111111112")
    assert str(invalid.value) == "the card number is mistyped: its check digit does not match"
    assert (invalid.value.field, invalid.value.rule) == ("card.number", "P1")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("41111111111111", "a Visa card number has 13, 16 or 19 digits, this one has 14"),
        ("555555555555444", "a MasterCard card number has 16 digits, this one has 15"),
        ("353011133330000", "a JCB card number has 16 to 19 digits, this one has 15"),
    ],
)
def test_P1_lengths_per_network(number: str, message: str) -> None:
    with pytest.raises(InvalidCard, match=f"^{message}$"):
        validate_card(number)


FULLWIDTH_VISA = "".join(chr(0xFF10 + int(d)) for d in "4111111111111111")


@pytest.mark.parametrize("number", ["", "   ", "4111-1111-abcd-1111", FULLWIDTH_VISA])
def test_P1_only_digits_spaces_and_dashes(number: str) -> None:
    with pytest.raises(InvalidCard) as invalid:
        validate_card(number)
    assert str(invalid.value) == "the card number may contain only digits, spaces and dashes"
