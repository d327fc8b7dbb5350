"""Money on the wire: integer minor units plus an ISO 4217 currency code, never floats."""

from __future__ import annotations

from pydantic import Field

from shared.events.base import Contract


class Money(Contract):
    amount_minor: int = Field(description="Amount in minor units (cents), an integer")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")
