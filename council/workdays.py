"""Working days: weekends and bank holidays (from the maintained ``holidays``
library) do not count. The nation is a setting: England and Wales share bank
holidays; Scotland and Northern Ireland have their own."""

from __future__ import annotations

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


def working_days_between(start: date, end: date, nation: str | None = None) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier."""
    if end == start:
        return 0
    sign, low, high = (1, start, end) if end > start else (-1, end, start)
    count = 0
    day = low
    while day < high:
        day += timedelta(days=1)
        count += is_working_day(day, nation)
    return sign * count
