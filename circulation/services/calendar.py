"""The school calendar: which days the library is open, due dates and overdue days.

A day is open when China's working calendar says it is a working day (weekends and public
holidays are closed, make-up working days 调休 are open; the ``chinese_calendar`` package keeps
the State Council's list) and no closed period of the school's own (vacation, closure, an exam
week marked closed) covers it. For years the package does not know yet, Monday to Friday are
working days. Due dates never fall on a closed day; overdue days count only open days.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext_lazy as _

from circulation.models import CalendarPeriod

# Looking further than this for an open day means the calendar is wrong (a year-long closure).
MAX_SEARCH_DAYS = 400


@lru_cache(maxsize=4096)
def is_national_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package has no data for yet
        return day.weekday() < 5


# The package names its holidays in English; these are their names in the user's language.
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _("70th anniversary of the victory of the War of Resistance"),
}


def holiday_name(day: dt.date) -> str | None:
    """The public holiday ``day`` belongs to, in the user's language, if any."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if not (on_holiday and name):
        return None
    return str(HOLIDAY_NAMES.get(name, name))


class SchoolCalendar:
    """The library's open days, from the national calendar and its closed periods (read once)."""

    def __init__(self, periods=None):
        if periods is None:
            periods = CalendarPeriod.objects.filter(library_open=False).values_list("starts_on", "ends_on")
        self.closed = sorted((start, end) for start, end in periods)

    def closed_period(self, day: dt.date) -> tuple[dt.date, dt.date] | None:
        for start, end in self.closed:
            if start <= day <= end:
                return start, end
        return None

    def is_open(self, day: dt.date) -> bool:
        return is_national_workday(day) and self.closed_period(day) is None

    def next_open_day(self, day: dt.date) -> dt.date:
        """``day`` itself if the library is open then, else the first open day after it."""
        for _attempt in range(MAX_SEARCH_DAYS):
            if self.is_open(day):
                return day
            period = self.closed_period(day)
            day = (period[1] if period else day) + dt.timedelta(days=1)
        raise ValueError(f"no open day within {MAX_SEARCH_DAYS} days of {day}")

    def previous_open_day(self, day: dt.date) -> dt.date:
        """``day`` itself if the library is open then, else the last open day before it."""
        for _attempt in range(MAX_SEARCH_DAYS):
            if self.is_open(day):
                return day
            period = self.closed_period(day)
            day = (period[0] if period else day) - dt.timedelta(days=1)
        raise ValueError(f"no open day within {MAX_SEARCH_DAYS} days before {day}")

    def due_date(self, start: dt.date, days: int) -> dt.date:
        """The due date of a loan of ``days`` days from ``start``, moved to an open day."""
        return self.next_open_day(start + dt.timedelta(days=days))

    def open_days_between(self, after: dt.date, until: dt.date) -> int:
        """Open days in (after, until]: the overdue days of an item due ``after`` on ``until``."""
        count, day = 0, after + dt.timedelta(days=1)
        while day <= until:
            period = self.closed_period(day)
            if period:
                day = period[1] + dt.timedelta(days=1)
                continue
            if is_national_workday(day):
                count += 1
            day += dt.timedelta(days=1)
        return count

    def overdue_days(self, due_on: dt.date, today: dt.date) -> int:
        return self.open_days_between(due_on, today) if today > due_on else 0
