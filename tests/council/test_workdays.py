from __future__ import annotations

from datetime import date

import pytest

from council.workdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("start", "days", "expected", "nation"),
    [
        (date(2026, 11, 20), 5, date(2026, 11, 27), "england"),  # a plain week (Fri → Fri)
        (date(2026, 12, 23), 5, date(2027, 1, 4), "england"),  # Christmas, Boxing Day (Mon 28), New Year
        (date(2027, 3, 25), 2, date(2027, 3, 31), "england"),  # Good Friday 26 Mar, Easter Monday 29 Mar
        (date(2027, 3, 25), 2, date(2027, 3, 30), "scotland"),  # Easter Monday is not a Scottish bank holiday
        (date(2027, 11, 29), 1, date(2027, 12, 1), "scotland"),  # St Andrew's Day 30 Nov
        (date(2027, 3, 16), 1, date(2027, 3, 18), "northern_ireland"),  # St Patrick's Day
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(start, days, expected, nation):
    assert add_working_days(start, days, nation) == expected
    assert working_days_between(start, expected, nation) == days


def test_counting_backwards_is_negative():
    assert working_days_between(date(2027, 1, 4), date(2026, 12, 23)) == -5
    assert not is_working_day(date(2026, 12, 25))


def test_the_arithmetic_count_agrees_with_walking_the_calendar():
    from datetime import timedelta

    start = date(2025, 12, 1)
    for offset in range(0, 400, 7):
        end = start + timedelta(days=offset)
        walked = sum(is_working_day(start + timedelta(days=i)) for i in range(1, offset + 1))
        assert working_days_between(start, end) == walked
