"""Card numbers as the sandbox gateway sees them, like an acquirer would: the check digit, and which
card networks it takes (Visa, MasterCard, JCB) or turns away (American Express, Discover, ...).

Written for the gateway alone, apart from the shop's own card checks in the payments service: a
stand-in that shared the shop's code could never catch a mistake in it."""

from __future__ import annotations

from dataclasses import dataclass

DOUBLED_DIGIT_SUMS = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit sum of 2*d, for d = 0..9
SHORTEST, LONGEST = 12, 19


@dataclass(frozen=True)
class Network:
    name: str
    leading: tuple[range, ...]
    """Ranges of the number's leading digits; each range's bounds have as many digits as it compares."""
    lengths: tuple[int, ...]
    accepted: bool

    def issued(self, digits: str) -> bool:
        """True if a card number (digits only) starts within one of this network's ranges."""
        return any(int(digits[: len(str(r.start))]) in r for r in self.leading)


NETWORKS = (
    Network("Visa", (range(4, 5),), (13, 16, 19), accepted=True),
    Network("MasterCard", (range(51, 56), range(2221, 2721)), (16,), accepted=True),
    Network("JCB", (range(3528, 3590),), (16, 17, 18, 19), accepted=True),
    Network("American Express", (range(34, 35), range(37, 38)), (15,), accepted=False),
    Network("Diners Club", (range(300, 306), range(36, 37), range(38, 40)), (14, 16), accepted=False),
    Network("Discover", (range(6011, 6012), range(644, 650), range(65, 66)), (16, 19), accepted=False),
    Network("UnionPay", (range(62, 63),), (16, 17, 18, 19), accepted=False),
)


def plain_digits(source: str) -> str | None:
    """The number without the spaces and dashes people type, or None if it is not a card number."""
    digits = source.replace(" ", "").replace("-", "")
    if not (digits.isascii() and digits.isdigit() and SHORTEST <= len(digits) <= LONGEST):
        return None
    return digits


def check_digit_matches(digits: str) -> bool:
    """The Luhn (mod 10) check: from the right, every second digit counts doubled (as its digit sum)."""
    total = 0
    for place, char in enumerate(reversed(digits)):
        total += DOUBLED_DIGIT_SUMS[int(char)] if place % 2 else int(char)
    return total % 10 == 0


def network_of(digits: str) -> Network | None:
    """The network whose ranges the number starts in, if the gateway knows it."""
    return next((n for n in NETWORKS if n.issued(digits)), None)
