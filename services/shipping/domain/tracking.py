"""S2/S3: tracking numbers (carrier prefix, serial, check digit) and the states a parcel moves through."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from services.shipping.domain.errors import InvalidTrackingUpdate, TrackingRefused

PREFIXES = {"DHL": "JD", "FedEx": "FX"}
SERIAL_DIGITS = 10
TRACKING_NAMESPACE = uuid.UUID("5b8c1d7e-2f4a-4c9b-8e3d-6a1f0b2c7d44")
_FORMAT = re.compile(rf"^([A-Z]{{2}})(\d{{{SERIAL_DIGITS}}})(\d)$")

DISPATCHED = "dispatched"
IN_TRANSIT = "in_transit"
HELD_AT_CUSTOMS = "held_at_customs"
CLEARED = "cleared"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
UPDATES = (IN_TRANSIT, HELD_AT_CUSTOMS, CLEARED, OUT_FOR_DELIVERY, DELIVERED)
"""The states a carrier's update may report."""

NEXT: dict[str, frozenset[str]] = {
    DISPATCHED: frozenset({IN_TRANSIT, HELD_AT_CUSTOMS, OUT_FOR_DELIVERY, DELIVERED}),
    IN_TRANSIT: frozenset({IN_TRANSIT, HELD_AT_CUSTOMS, OUT_FOR_DELIVERY, DELIVERED}),
    # a parcel in customs stays there (more notices may come) until it is cleared
    HELD_AT_CUSTOMS: frozenset({HELD_AT_CUSTOMS, CLEARED}),
    CLEARED: frozenset({IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED}),
    OUT_FOR_DELIVERY: frozenset({IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED}),
    DELIVERED: frozenset(),
}


def check_digit(digits: str) -> int:
    """The Luhn (mod 10) check digit of a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the rightmost digit before the check digit, then every other
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return (10 - total % 10) % 10


def tracking_number(carrier: str, order_id: str, attempt: int = 0) -> str:
    """The carrier's prefix, a serial that follows from the order (and the attempt, should one be
    taken already), and a check digit: e.g. JD + 10 digits + 1."""
    serial = uuid.uuid5(TRACKING_NAMESPACE, f"{order_id}:{attempt}").int % 10**SERIAL_DIGITS
    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{PREFIXES[carrier]}{digits}{check_digit(digits)}"


def tracking_problem(carrier: str, number: str) -> str | None:
    """Why `number` cannot be one of `carrier`'s tracking numbers, or None if it can."""
    found = _FORMAT.match(number)
    if found is None:
        return f"{number!r} is not a tracking number (two letters, {SERIAL_DIGITS} digits, a check digit)"
    prefix, serial, check = found.groups()
    if prefix != PREFIXES.get(carrier):
        return f"{number} is not a {carrier} tracking number (they start with {PREFIXES.get(carrier)})"
    if int(check) != check_digit(serial):
        return f"{number}: the check digit does not match"
    return None


def index_id(tracking: str) -> uuid.UUID:
    """The id of the record that finds a parcel's order by its tracking number."""
    return uuid.uuid5(TRACKING_NAMESPACE, f"tracking:{tracking}")


def check_update(state: str | None, last: datetime | None, update: dict[str, Any]) -> None:
    """S3: refuse an update for a parcel not dispatched, older than the last one, to a state the
    parcel cannot reach from where it is, or a delivery that does not say who signed (S4)."""
    if state is None:
        raise TrackingRefused("the parcel has not been dispatched", field="tracking_number", rule="S3")
    at: datetime = update["at"]
    if last is not None and at < last:
        raise TrackingRefused(
            f"update of {at.isoformat()} is older than the last one ({last.isoformat()}): out of order",
            field="at",
            rule="S3",
        )
    if update["status"] not in NEXT[state]:
        raise TrackingRefused(f"a parcel {state} cannot become {update['status']}", field="status", rule="S3")
    if update["status"] == DELIVERED and not update.get("signed_by"):
        raise InvalidTrackingUpdate("a delivery names who signed for it", field="signed_by", rule="S4")
