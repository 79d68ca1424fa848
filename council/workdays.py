"""Working days: weekends and bank holidays (from the maintained ``holidays``
library) do not count. The nation is a setting: England and Wales share bank
holidays; Scotland and Northern Ireland have their own."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings

_SUBDIVISIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}


@lru_cache(maxsize=8)
def _calendar(nation: str) -> holidays.HolidayBase:
    return holidays.UnitedKingdom(subdiv=_SUBDIVISIONS[nation], years=range(2000, 2101))


def calendar(nation: str | None = None) -> holidays.HolidayBase:
    return _calendar(nation or settings.WORKING_DAYS_NATION)


def is_working_day(day: date, nation: str | None = None) -> bool:
    return day.weekday() < 5 and day not in calendar(nation)


def add_working_days(start: date, days: int, nation: str | None = None) -> date:
    """The date ``days`` working days after ``start`` (which itself does not count)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            remaining -= 1
    return day


@lru_cache(maxsize=8)
def _weekday_holidays(nation: str) -> list[date]:
    return sorted(day for day in _calendar(nation) if day.weekday() < 5)


def _weekdays_up_to(day: date) -> int:
    """Weekdays from a fixed Monday up to and including ``day`` (arithmetic, no loop)."""
    days = (day - date(2000, 1, 3)).days + 1
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


def working_days_between(start: date, end: date, nation: str | None = None) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.
    Counted arithmetically (queues call this for every row)."""
    if end == start:
        return 0
    sign, low, high = (1, start, end) if end > start else (-1, end, start)
    holidays_on_weekdays = _weekday_holidays(nation or settings.WORKING_DAYS_NATION)
    skipped = bisect_right(holidays_on_weekdays, high) - bisect_right(holidays_on_weekdays, low)
    return sign * (_weekdays_up_to(high) - _weekdays_up_to(low) - skipped)
