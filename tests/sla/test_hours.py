"""sla.hours: business time in a calendar's local hours, across clock changes and holidays."""

import datetime

import pytest

from sla.hours import (
    ClosedCalendar,
    Schedule,
    add_business_seconds,
    business_seconds_between,
    is_open,
)
from tests import factories

from .conftest import LONDON, london

HOUR = 3600


def schedule(hours, holidays=()) -> Schedule:
    return Schedule(zone=LONDON, hours=hours, holidays=frozenset(holidays))


NINE_TO_FIVE = schedule({day: ((datetime.time(9), datetime.time(17)),) for day in range(5)})


def test_a_night_period_on_the_spring_change_is_an_hour_shorter():
    # Open 0:00-4:00 every day; on 29 March 2026 1:00 GMT becomes 2:00 BST.
    nights = schedule({day: ((datetime.time(0), datetime.time(4)),) for day in range(7)})
    day = london(2026, 3, 29)
    assert business_seconds_between(nights, day, day + datetime.timedelta(days=1)) == 3 * HOUR
    assert add_business_seconds(nights, day, 3 * HOUR) == london(2026, 3, 29, 4)


def test_a_night_period_on_the_autumn_change_is_an_hour_longer():
    nights = schedule({day: ((datetime.time(0), datetime.time(4)),) for day in range(7)})
    day = london(2026, 10, 25)
    assert business_seconds_between(nights, day, day + datetime.timedelta(days=1)) == 5 * HOUR


def test_hours_across_a_weekend_and_a_holiday():
    with_holiday = schedule(NINE_TO_FIVE.hours, holidays=[datetime.date(2026, 4, 6)])
    friday = london(2026, 4, 3, 15)
    assert add_business_seconds(with_holiday, friday, 4 * HOUR) == london(2026, 4, 7, 11)
    assert business_seconds_between(with_holiday, friday, london(2026, 4, 7, 11)) == 4 * HOUR


def test_counting_starts_at_the_next_opening():
    saturday = london(2026, 4, 4, 12)
    assert add_business_seconds(NINE_TO_FIVE, saturday, 60) == london(2026, 4, 6, 9, 1)
    assert business_seconds_between(NINE_TO_FIVE, saturday, london(2026, 4, 6, 9)) == 0


def test_a_lunch_break_is_skipped():
    with_lunch = schedule(
        {0: ((datetime.time(9), datetime.time(12)), (datetime.time(13), datetime.time(17)))}
    )
    assert add_business_seconds(with_lunch, london(2026, 4, 6, 11), 2 * HOUR) == london(
        2026, 4, 6, 14
    )


def test_is_open():
    assert is_open(NINE_TO_FIVE, london(2026, 4, 6, 9))
    assert not is_open(NINE_TO_FIVE, london(2026, 4, 6, 17))
    assert not is_open(NINE_TO_FIVE, london(2026, 4, 4, 12))  # Saturday
    # 8:30 UTC is 9:30 in London in summer.
    assert is_open(NINE_TO_FIVE, datetime.datetime(2026, 7, 6, 8, 30, tzinfo=datetime.UTC))


def test_a_calendar_without_hours_is_closed():
    with pytest.raises(ClosedCalendar):
        add_business_seconds(schedule({}), london(2026, 4, 6), 60)


@pytest.mark.django_db
def test_a_calendar_object_reads_its_hours_and_holidays_once(django_assert_num_queries):
    calendar = factories.BusinessCalendarFactory(holidays=[datetime.date(2026, 4, 6)])
    with django_assert_num_queries(2):
        assert not is_open(calendar, london(2026, 4, 6, 10))
        assert is_open(calendar, london(2026, 4, 7, 10))
