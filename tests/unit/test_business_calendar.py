"""The shop's business calendar (S3 business days, T3 working hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from shared.calendar import BusinessCalendar
from shared.runtime.settings import PlatformSettings

FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_T3_48_working_hours_from_friday_afternoon_end_on_tuesday_afternoon() -> None:
    assert BusinessCalendar().add_working_hours(FRIDAY_3PM, 48) == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_T3_a_holiday_moves_the_deadline_by_a_working_day() -> None:
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 11, 30)}))
    assert calendar.add_working_hours(FRIDAY_3PM, 48) == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_T3_time_starts_counting_on_the_next_working_day_after_a_weekend_message() -> None:
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert BusinessCalendar().add_working_hours(saturday, 48) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


def test_T3_working_hours_count_in_the_shop_time_zone() -> None:
    calendar = BusinessCalendar(timezone="Asia/Shanghai")  # UTC+8: Friday 15:00 UTC is Friday 23:00 there
    monday_1am_there = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert calendar.add_working_hours(FRIDAY_3PM, 2) == monday_1am_there
    assert calendar.working_hours_between(FRIDAY_3PM, monday_1am_there) == 2


def test_S3_business_days_skip_the_weekend_and_holidays() -> None:
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 12, 2)}))
    assert calendar.add_business_days(FRIDAY_3PM, 4) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert calendar.add_business_days(FRIDAY_3PM, 7) == datetime(2026, 12, 9, 15, 0, tzinfo=UTC)


def test_X3_a_malformed_calendar_setting_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="shop_timezone"):
        PlatformSettings(shop_timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="shop_holidays"):
        PlatformSettings(shop_holidays="2026-13-01")
    with pytest.raises(ValidationError, match="shop_workdays"):
        PlatformSettings(shop_workdays="0,9")
    calendar = PlatformSettings(shop_holidays="2026-12-25", shop_timezone="Europe/Madrid").business_calendar()
    assert calendar.holidays == frozenset({date(2026, 12, 25)}) and calendar.timezone == "Europe/Madrid"
