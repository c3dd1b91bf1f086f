"""The library's circulation settings: the loan matrix with its explanation, the calendar, the policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from circulation.exceptions import UserError
from circulation.models import CalendarPeriod, CirculationPolicy, LoanRule
from circulation.services import settings as cs
from circulation.services.rules import DEFAULT_RULES


def test_rules_are_created_changed_and_deleted_one_per_cell(in_library):
    rule = cs.save_rule({"reader_kind": "student", "material_type": "book", "loan_days": 21, "max_items": 3})
    assert LoanRule.objects.get(pk=rule.pk).loan_days == 21
    cs.save_rule({"max_items": 4}, rule)
    assert LoanRule.objects.get(pk=rule.pk).max_items == 4
    with pytest.raises(UserError) as excinfo:
        cs.save_rule({"reader_kind": "student", "material_type": "book"})
    assert excinfo.value.code == "rule_exists"
    with pytest.raises(UserError) as excinfo:
        cs.save_rule({"reader_kind": "alien"})
    assert excinfo.value.code == "bad_reader_kind"
    cs.delete_rule(rule)
    assert not LoanRule.objects.filter(pk=rule.pk).exists()


def test_explain_names_the_most_specific_rule_and_why(in_library):
    # Day-one rules: default, student, teacher, serials.
    answer = cs.explain("student", "book")
    assert answer["why"] == "reader_kind" and answer["rule"]["loan_days"] == 14
    assert [c["applies"] for c in answer["candidates"]] == [True, False]
    assert cs.explain("staff", "serial")["why"] == "material_type"
    assert cs.explain("staff", "book")["why"] == "default"
    cs.save_rule({"reader_kind": "student", "material_type": "serial", "lendable": False})
    answer = cs.explain("student", "serial")
    assert answer["why"] == "reader_and_material" and answer["rule"]["lendable"] is False
    assert len(answer["candidates"]) == 4
    LoanRule.objects.all().delete()
    assert cs.explain("student", "book")["why"] == "fallback"


def test_the_matrix_shows_each_pair_and_the_rule_that_governs_it(in_library):
    data = cs.matrix()
    students = next(r for r in data["rows"] if r["reader_kind"] == "student")
    serial = next(c for c in students["cells"] if c.material_type == "serial")
    assert serial.rule is None and serial.applied.loan_days == 14  # the student row beats the serial column


def test_defaults_are_installed_once(in_library):
    LoanRule.objects.all().delete()
    assert cs.install_defaults() == len(DEFAULT_RULES) and cs.install_defaults() == 0


def test_periods_are_checked_and_saved(in_library):
    period = cs.save_period({"kind": "vacation", "name": "寒假", "starts_on": dt.date(2027, 1, 18),
                             "ends_on": dt.date(2027, 2, 20), "library_open": False})
    cs.save_period({"name": "2027 寒假"}, period)
    assert CalendarPeriod.objects.get().name == "2027 寒假"
    with pytest.raises(UserError) as excinfo:
        cs.save_period({"kind": "term", "name": "x", "starts_on": dt.date(2027, 3, 1), "ends_on": dt.date(2027, 2, 1)})
    assert excinfo.value.code == "bad_dates"
    cs.delete_period(period)
    assert not CalendarPeriod.objects.exists()


def test_the_calendar_days_say_why_a_day_is_open_or_closed(in_library):
    cs.save_period({"kind": "exams", "name": "期中考试", "starts_on": dt.date(2026, 10, 12),
                    "ends_on": dt.date(2026, 10, 13), "library_open": False})
    days = {d["date"]: d for d in cs.calendar_days(dt.date(2026, 9, 28), 20)}
    assert len(days) == 20
    assert days[dt.date(2026, 10, 1)]["open"] is False and days[dt.date(2026, 10, 1)]["reason"] == "holiday"
    assert days[dt.date(2026, 10, 12)]["open"] is False and days[dt.date(2026, 10, 12)]["reason"] == "period"
    assert days[dt.date(2026, 10, 12)]["periods"] == ["期中考试"]
    assert days[dt.date(2026, 10, 14)]["open"] is True and days[dt.date(2026, 10, 14)]["reason"] == "open"
    assert days[dt.date(2026, 10, 11)]["reason"] == "weekend"
    assert days[dt.date(2026, 10, 10)]["reason"] == "makeup" and days[dt.date(2026, 10, 10)]["open"] is True
    makeup = [d for d in days.values() if d["reason"] == "makeup"]
    assert makeup and all(d["open"] and d["date"].weekday() >= 5 for d in makeup)  # 调休 around National Day


def test_the_policy_is_updated_and_checked(in_library):
    cs.update_policy({"loss_policy": "factor", "loss_factor": Decimal("1.50")})
    policy = CirculationPolicy.current()
    assert policy.loss_policy == "factor" and policy.loss_factor == Decimal("1.50")
    with pytest.raises(UserError) as excinfo:
        cs.update_policy({"default_price": Decimal("-1")})
    assert excinfo.value.code == "bad_amount"
