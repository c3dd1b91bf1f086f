"""The school calendar (national holidays, make-up days, the school's closures) and the loan matrix."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from circulation.services.calendar import SchoolCalendar
from circulation.services.rules import pick, rule_for

NO_CLOSURES = SchoolCalendar(periods=[])


def test_a_due_date_in_the_national_day_week_moves_past_it():
    # 2026: 1-7 October are the National Day and Mid-Autumn holiday; 8 October is a Thursday.
    assert NO_CLOSURES.due_date(dt.date(2026, 9, 17), 14) == dt.date(2026, 10, 8)


def test_a_make_up_saturday_counts_as_open():
    make_up = dt.date(2026, 10, 10)  # a Saturday worked in exchange for the National Day holiday
    assert make_up.weekday() == 5 and NO_CLOSURES.is_open(make_up)
    assert not NO_CLOSURES.is_open(dt.date(2026, 10, 17))  # an ordinary Saturday
    assert NO_CLOSURES.due_date(dt.date(2026, 9, 26), 14) == make_up


def test_overdue_days_skip_holidays_and_weekends():
    # Due Friday 25 September 2026; on Friday 9 October: 28, 29, 30 September, 8 and 9 October.
    assert NO_CLOSURES.overdue_days(dt.date(2026, 9, 25), dt.date(2026, 10, 9)) == 5
    assert NO_CLOSURES.overdue_days(dt.date(2026, 10, 9), dt.date(2026, 10, 9)) == 0


def test_the_schools_own_vacation_is_closed():
    winter = SchoolCalendar(periods=[(dt.date(2027, 1, 20), dt.date(2027, 2, 20))])
    assert winter.due_date(dt.date(2027, 1, 10), 14) == dt.date(2027, 2, 22)  # the Monday after
    assert winter.overdue_days(dt.date(2027, 1, 19), dt.date(2027, 2, 23)) == 2


def test_years_the_package_does_not_know_fall_back_to_weekdays():
    assert NO_CLOSURES.is_open(dt.date(2031, 3, 3)) and not NO_CLOSURES.is_open(dt.date(2031, 3, 1))


def rule(reader_kind="", material_type="", **fields):
    return SimpleNamespace(pk=None, reader_kind=reader_kind, material_type=material_type, lendable=True,
                           loan_days=30, max_items=5, max_renewals=1, **fields)


@pytest.mark.parametrize(("reader", "material", "expected"), [
    ("student", "book", ("student", "book")),
    ("student", "serial", ("", "serial")),
    ("teacher", "book", ("teacher", "")),
    ("staff", "video", ("", "")),
])
def test_the_most_specific_rule_wins(reader, material, expected):
    rules = [rule(), rule("student", "book"), rule("teacher"), rule("", "serial")]
    chosen = pick(rules, reader, material)
    assert (chosen.reader_kind, chosen.material_type) == expected


def test_reader_type_is_more_specific_than_material_type():
    chosen = pick([rule("student"), rule("", "serial")], "student", "serial")
    assert chosen.reader_kind == "student"


def test_without_any_rule_the_day_one_default_applies():
    applied = rule_for("student", "book", rules=[])
    assert applied.loan_days == 30 and applied.lendable and "30" in applied.explain()


def test_holidays_are_named_in_the_users_language():
    from django.utils import translation

    from circulation.services.calendar import holiday_name

    with translation.override("en"):
        assert holiday_name(dt.date(2026, 10, 2)) == "National Day"
    assert holiday_name(dt.date(2026, 10, 12)) is None
