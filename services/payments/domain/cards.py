"""Card rules (P1): Visa, MasterCard or JCB only, told apart by issuer ranges; Luhn and length checks.

Only the network and the last four digits ever leave this module; the full number is never kept.
"""

from __future__ import annotations

from typing import NamedTuple

from services.payments.domain.errors import CardRefused, InvalidCard

RULE = "P1"
FIELD = "card.number"
ACCEPTED_NETWORKS = ("Visa", "MasterCard", "JCB")
UNKNOWN = "unknown"

# (network, number of leading digits, lowest prefix, highest prefix)
ISSUER_RANGES: tuple[tuple[str, int, int, int], ...] = (
    ("Visa", 1, 4, 4),
    ("MasterCard", 2, 51, 55),
    ("MasterCard", 4, 2221, 2720),
    ("JCB", 4, 3528, 3589),
    ("American Express", 2, 34, 34),
    ("American Express", 2, 37, 37),
    ("Discover", 4, 6011, 6011),
    ("Discover", 3, 644, 649),
    ("Discover", 2, 65, 65),
    ("Diners Club", 2, 36, 36),
    ("Diners Club", 3, 300, 305),
    ("UnionPay", 2, 62, 62),
)
LENGTHS: dict[str, tuple[int, ...]] = {
    "Visa": (13, 16, 19),
    "MasterCard": (16,),
    "JCB": (16, 17, 18, 19),
}
WE_TAKE = "we take Visa, MasterCard or JCB"


class CardSummary(NamedTuple):
    """What we may keep of a card: its network and its last four digits."""

    network: str
    last4: str


def digits_of(number: str) -> str:
    """The card number without the spaces and dashes people type; raise InvalidCard on anything else."""
    if not isinstance(number, str):
        raise InvalidCard("the card number must be a string of digits", field=FIELD, rule=RULE)
    digits = number.replace(" ", "").replace("-", "")
    if not digits or not digits.isascii() or not digits.isdigit():
        raise InvalidCard("the card number may contain only digits, spaces and dashes", field=FIELD, rule=RULE)
    return digits


def detect_network(number: str) -> str:
    """The card network that issued `number`, from its leading digits, or 'unknown'."""
    digits = number.replace(" ", "").replace("-", "")
    for network, width, low, high in ISSUER_RANGES:
        prefix = digits[:width]
        if len(prefix) == width and prefix.isdigit() and low <= int(prefix) <= high:
            return network
    return UNKNOWN


def luhn_valid(number: str) -> bool:
    """True if the last digit of `number` is its correct Luhn check digit."""
    if not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def validate_card(number: str) -> CardSummary:
    """Check a card number against P1 and return its (network, last4); raise CardRefused or InvalidCard."""
    digits = digits_of(number)
    network = detect_network(digits)
    if network == UNKNOWN:
        raise CardRefused(f"this card's network is not recognised: {WE_TAKE}", field=FIELD, rule=RULE)
    if network not in ACCEPTED_NETWORKS:
        raise CardRefused(f"{network} is not accepted: {WE_TAKE}", field=FIELD, rule=RULE)
    lengths = LENGTHS[network]
    if len(digits) not in lengths:
        raise InvalidCard(
            f"a {network} card number has {_choices(lengths)} digits, this one has {len(digits)}",
            field=FIELD,
            rule=RULE,
        )
    if not luhn_valid(digits):
        raise InvalidCard("the card number is mistyped: its check digit does not match", field=FIELD, rule=RULE)
    return CardSummary(network=network, last4=digits[-4:])


def _choices(lengths: tuple[int, ...]) -> str:
    if len(lengths) > 2 and lengths == tuple(range(lengths[0], lengths[-1] + 1)):
        return f"{lengths[0]} to {lengths[-1]}"
    head = ", ".join(str(n) for n in lengths[:-1])
    return f"{head} or {lengths[-1]}" if head else str(lengths[-1])
