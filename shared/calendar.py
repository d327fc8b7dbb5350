"""The shop's business calendar: which days are working days, in the shop's time zone.

Shared by shipping (S3: "4-7 business days") and tickets (T3: "48 working hours"). Pure: no I/O,
so a service's domain may import it. Working hours are the whole (wall-clock) hours of working
days: 48 working hours are two working days, and a weekend or a holiday does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = frozenset({0, 1, 2, 3, 4})
"""Monday..Friday (Python's `date.weekday()` numbers)."""


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "UTC"
    workdays: frozenset[int] = WEEKDAYS
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)  # an unknown zone fails here, when the settings are read
        except (KeyError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r} (an IANA name such as Europe/Madrid)") from None
        if not self.workdays or not self.workdays <= set(range(7)):
            raise ValueError(f"workdays must be weekday numbers 0 (Monday) to 6, got {sorted(self.workdays)}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("a calendar takes aware instants (UTC), not naive ones")
        return instant.astimezone(self.zone)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` working hours after `start` (time on non-working days does not count)."""
        remaining = timedelta(hours=hours)
        cursor = self.local(start)
        while True:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=self.zone)
            if self.is_working_day(cursor.date()):
                available = midnight.replace(tzinfo=None) - cursor.replace(tzinfo=None)  # wall-clock hours
                if remaining <= available:
                    wall = cursor.replace(tzinfo=None) + remaining
                    return wall.replace(tzinfo=self.zone).astimezone(UTC)
                remaining -= available
            cursor = midnight

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (0 if `end` is not after `start`)."""
        total = timedelta(0)
        cursor, stop = self.local(start), self.local(end)
        while cursor < stop:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=self.zone)
            segment_end = min(midnight, stop)
            if self.is_working_day(cursor.date()):
                total += segment_end.replace(tzinfo=None) - cursor.replace(tzinfo=None)
            cursor = midnight
        return total.total_seconds() / 3600

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The same local time of day, `days` working days after `start`'s local date."""
        if days < 0:
            raise ValueError("days must not be negative")
        local = self.local(start)
        day, counted = local.date(), 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.zone).astimezone(UTC)


def parse_holidays(text: str) -> frozenset[date]:
    """`2026-12-25,2027-01-01` -> dates (a setting); a malformed date refuses to start."""
    return frozenset(date.fromisoformat(part.strip()) for part in text.split(",") if part.strip())


def parse_workdays(text: str) -> frozenset[int]:
    """`0,1,2,3,4` (Monday = 0) -> weekday numbers (a setting)."""
    return frozenset(int(part) for part in text.split(",") if part.strip())
