"""The library's circulation settings: the loan matrix, the school calendar and the policy.

Run inside the library's schema. The views parse input; these functions check it and save.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from circulation.exceptions import UserError
from circulation.models import PERSON_KINDS, CalendarPeriod, CirculationPolicy, LoanRule, Reader
from circulation.services import rules
from circulation.services.calendar import SchoolCalendar, holiday_name, is_national_workday
from tenants.catalogue.models import MaterialType

RULE_FIELDS = ("reader_kind", "material_type", "lendable", "loan_days", "max_items", "max_renewals")
PERIOD_FIELDS = ("kind", "name", "starts_on", "ends_on", "library_open")
POLICY_FIELDS = ("loss_policy", "loss_factor", "damage_share", "default_price", "block_when_overdue",
                 "remind_after_days", "remind_every_days")


# --- The loan matrix ------------------------------------------------------------------------------

def save_rule(values: dict, rule: LoanRule | None = None) -> LoanRule:
    """Create a cell of the matrix, or change ``rule``; one rule per reader type x material type."""
    rule = rule or LoanRule()
    for name in RULE_FIELDS:
        if name in values:
            setattr(rule, name, values[name])
    if rule.reader_kind not in ("", *Reader.Kind.values):
        raise UserError(_("Unknown reader type."), code="bad_reader_kind")
    if rule.material_type not in ("", *MaterialType.values):
        raise UserError(_("Unknown material type."), code="bad_material_type")
    if rule.lendable and not rule.loan_days:
        raise UserError(_("A lent item needs a loan period of at least one day."), code="bad_loan_days")
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise UserError(_("There is already a rule for this reader type and material type."),
                        code="rule_exists") from exc
    return rule


def delete_rule(rule: LoanRule) -> None:
    rule.delete()


def install_defaults() -> int:
    return rules.install_default_rules()


@dataclass(frozen=True)
class Cell:
    reader_kind: str
    material_type: str
    rule: LoanRule | None  # the cell's own rule, if the library set one
    applied: rules.AppliedRule  # what governs this pair (the most specific matching rule)


def matrix() -> dict:
    """The matrix: a row per reader type (and "any"), a column per material type (and "any")."""
    all_rules = list(LoanRule.objects.all())
    own = {(r.reader_kind, r.material_type): r for r in all_rules}
    readers = [("", _("any reader")), *((kind, Reader.Kind(kind).label) for kind in PERSON_KINDS)]
    materials = [("", _("any material")), *MaterialType.choices]
    rows = []
    for kind, kind_label in readers:
        cells = [Cell(kind, material, own.get((kind, material)), rules.rule_for(kind, material, all_rules))
                 for material, _label in materials]
        rows.append({"reader_kind": kind, "label": kind_label, "cells": cells})
    return {"materials": materials, "rows": rows, "rules": all_rules}


WHY = {
    3: "reader_and_material", 2: "reader_kind", 1: "material_type", 0: "default",
}


def explain(reader_kind: str, material_type: str) -> dict:
    """Which rule governs the pair and why: the candidates that match, the most specific winning."""
    if reader_kind not in Reader.Kind.values:
        raise UserError(_("Unknown reader type."), code="bad_reader_kind")
    if material_type not in MaterialType.values:
        raise UserError(_("Unknown material type."), code="bad_material_type")
    all_rules = list(LoanRule.objects.all())
    applied = rules.rule_for(reader_kind, material_type, all_rules)
    winner = rules.pick(all_rules, reader_kind, material_type)
    candidates = [
        {"id": r.pk, "reader_kind": r.reader_kind, "material_type": r.material_type,
         "specificity": rules.specificity(r), "applies": r is winner}
        for r in sorted(all_rules, key=rules.specificity, reverse=True)
        if r.reader_kind in ("", reader_kind) and r.material_type in ("", material_type)
    ]
    if winner is None:
        why, reason = "fallback", _("The library has no matching rule; the built-in default applies.")
    else:
        why = WHY[rules.specificity(winner)]
        reason = {
            "reader_and_material": _("A rule for exactly this reader type and material type."),
            "reader_kind": _("No rule for this material type; the rule for the reader type applies."),
            "material_type": _("No rule for this reader type; the rule for the material type applies."),
            "default": _("No more specific rule; the library's default rule applies."),
        }[why]
    return {"reader_kind": reader_kind, "material_type": material_type, "rule": applied.as_dict(), "why": why,
            "reason": reason, "explanation": applied.explain(), "candidates": candidates}


# --- The school calendar ------------------------------------------------------------------------

def save_period(values: dict, period: CalendarPeriod | None = None) -> CalendarPeriod:
    period = period or CalendarPeriod()
    for name in PERIOD_FIELDS:
        if name in values:
            setattr(period, name, values[name])
    if period.kind not in CalendarPeriod.Kind.values:
        raise UserError(_("Unknown kind of period."), code="bad_kind")
    if not (period.name or "").strip():
        raise UserError(_("Give the period a name."), code="name_required")
    if not period.starts_on or not period.ends_on or period.ends_on < period.starts_on:
        raise UserError(_("A period ends on or after the day it starts."), code="bad_dates")
    period.save()
    return period


def delete_period(period: CalendarPeriod) -> None:
    period.delete()


def calendar_days(start: dt.date, days: int = 60) -> list[dict]:
    """Each day from ``start``: open or closed, and why (``reason`` is a code, ``label`` says it)."""
    periods = list(CalendarPeriod.objects.filter(ends_on__gte=start, starts_on__lte=start + dt.timedelta(days=days)))
    calendar = SchoolCalendar((p.starts_on, p.ends_on) for p in periods if not p.library_open)
    out = []
    for n in range(days):
        day = start + dt.timedelta(days=n)
        covering = [p for p in periods if p.starts_on <= day <= p.ends_on]
        closing = next((p for p in covering if not p.library_open), None)
        holiday = holiday_name(day)
        workday = is_national_workday(day)
        if closing is not None:
            reason, label = "period", f"{closing.get_kind_display()}: {closing.name}"
        elif holiday:
            reason, label = "holiday", holiday
        elif not workday:
            reason, label = "weekend", _("Weekend")
        elif day.weekday() >= 5:
            reason, label = "makeup", _("Make-up working day")
        else:
            reason, label = "open", ""
        out.append({"date": day, "open": calendar.is_open(day), "reason": reason, "label": label,
                    "periods": [p.name for p in covering]})
    return out


# --- The policy -----------------------------------------------------------------------------------

def update_policy(values: dict) -> CirculationPolicy:
    policy = CirculationPolicy.current()
    for name in POLICY_FIELDS:
        if name in values:
            setattr(policy, name, values[name])
    if policy.loss_policy not in CirculationPolicy.LossPolicy.values:
        raise UserError(_("Unknown loss policy."), code="bad_loss_policy")
    if policy.loss_factor <= 0 or policy.damage_share < 0 or policy.default_price < 0:
        raise UserError(_("Factors and prices cannot be negative."), code="bad_amount")
    policy.save()
    return policy
