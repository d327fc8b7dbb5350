"""Money in the domain: integer minor units and an ISO 4217 currency code, never floats."""

from __future__ import annotations

import re

from services.payments.domain.errors import InvalidPayment

CURRENCY = re.compile(r"^[A-Z]{3}$")
ZERO_DECIMAL_CURRENCIES = frozenset({"CLP", "ISK", "JPY", "KRW", "VND", "XAF", "XOF"})
MAX_AMOUNT_MINOR = 10**11
"""The default ceiling of one amount of money entering payments (a deposit credit, a settlement): 1,000,000,000.00
in a two-decimal currency. The service's setting PAYMENTS_MAX_AMOUNT_MINOR may lower or raise it."""


def check_amount(amount_minor: object, *, rule: str, field: str = "amount") -> int:
    """Return `amount_minor` if it is a positive whole number of minor units, else raise InvalidPayment."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise InvalidPayment(
            f"amount must be a whole number of minor units, got {amount_minor!r}", field=field, rule=rule
        )
    if amount_minor <= 0:
        raise InvalidPayment(f"amount must be positive, got {amount_minor}", field=field, rule=rule)
    return amount_minor


def check_ceiling(amount_minor: int, ceiling: int, *, rule: str, field: str = "amount") -> int:
    """Return `amount_minor` if it is a positive whole number not above `ceiling`, else raise InvalidPayment."""
    check_amount(amount_minor, rule=rule, field=field)
    if amount_minor > ceiling:
        raise InvalidPayment(
            f"amount must be at most {ceiling} minor units, got {amount_minor}", field=field, rule=rule
        )
    return amount_minor


def check_currency(currency: object, *, rule: str, field: str = "currency") -> str:
    """Return `currency` if it is a three-letter ISO 4217 code, else raise InvalidPayment."""
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        raise InvalidPayment(f"currency must be an ISO 4217 code such as USD, got {currency!r}", field=field, rule=rule)
    return currency


def format_money(amount_minor: int, currency: str) -> str:
    """Render an amount for messages, e.g. 1250 USD -> '12.50 USD' (integer arithmetic only)."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount_minor} {currency}"
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 100)
    return f"{sign}{major}.{minor:02d} {currency}"
