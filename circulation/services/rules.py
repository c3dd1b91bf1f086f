"""The loan matrix: which rule governs a reader type and a material type, and why.

Rules are cells of reader type x material type; a blank side matches any. The most specific cell
wins (both sides, then reader type, then material type, then the library's default). When the
library has no default row, the day-one defaults below apply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from circulation.models import LoanRule, Reader
from tenants.catalogue.models import MaterialType

# What a school can use on day one (created by ``install_default_rules``):
# students 2 books for 14 days, teachers 10 for 60, staff 5 for 30; periodicals a week.
# Items borrowed from another library (material type "ill") go to every reader for 21 days, two at
# a time, never renewed at the desk: the lender's due date bounds them, and a renewal is asked of
# the lender through interlibrary loan. Each reader type has its own ILL cell, since a reader
# type's row would otherwise win over the ILL column.
ILL_RULE = {"loan_days": 21, "max_items": 2, "max_renewals": 0}
DEFAULT_RULES = (
    {"reader_kind": "", "material_type": "", "loan_days": 30, "max_items": 5, "max_renewals": 1},
    {"reader_kind": "student", "material_type": "", "loan_days": 14, "max_items": 2, "max_renewals": 1},
    {"reader_kind": "teacher", "material_type": "", "loan_days": 60, "max_items": 10, "max_renewals": 2},
    {"reader_kind": "", "material_type": "serial", "loan_days": 7, "max_items": 2, "max_renewals": 0},
    *({"reader_kind": kind, "material_type": "ill", **ILL_RULE} for kind in ("", "student", "teacher", "staff")),
)


@dataclass(frozen=True)
class AppliedRule:
    rule_id: int | None
    reader_kind: str
    material_type: str
    lendable: bool
    loan_days: int
    max_items: int
    max_renewals: int

    def as_dict(self) -> dict:
        return asdict(self)

    def explain(self) -> str:
        """Which cell applied and what it allows, in the user's language."""
        reader = Reader.Kind(self.reader_kind).label if self.reader_kind else _("any reader")
        material = MaterialType(self.material_type).label if self.material_type else _("any material")
        if not self.lendable:
            return _("Rule %(reader)s × %(material)s: used in the library only.") % {
                "reader": reader, "material": material}
        return _("Rule %(reader)s × %(material)s: %(days)s days, at most %(items)s items, "
                 "%(renewals)s renewals.") % {"reader": reader, "material": material, "days": self.loan_days,
                                              "items": self.max_items, "renewals": self.max_renewals}


FALLBACK = AppliedRule(None, "", "", True, **{k: DEFAULT_RULES[0][k] for k in ("loan_days", "max_items",
                                                                                 "max_renewals")})


def specificity(rule) -> int:
    return (2 if rule.reader_kind else 0) + (1 if rule.material_type else 0)


def pick(rules, reader_kind: str, material_type: str):
    """The most specific of ``rules`` matching the pair (pure: rules are any objects with the fields)."""
    matching = [r for r in rules if r.reader_kind in ("", reader_kind) and r.material_type in ("", material_type)]
    return max(matching, key=specificity, default=None)


def rule_for(reader_kind: str, material_type: str, rules=None) -> AppliedRule:
    rules = list(LoanRule.objects.all()) if rules is None else rules
    rule = pick(rules, reader_kind, material_type)
    if rule is None:
        return FALLBACK
    return AppliedRule(rule.pk, rule.reader_kind, rule.material_type, rule.lendable, rule.loan_days,
                       rule.max_items, rule.max_renewals)


def install_default_rules() -> int:
    """Create the day-one rules the library does not have yet; returns how many were made."""
    made = 0
    for values in DEFAULT_RULES:
        _rule, created = LoanRule.objects.get_or_create(
            reader_kind=values["reader_kind"], material_type=values["material_type"], defaults=values)
        made += created
    return made
