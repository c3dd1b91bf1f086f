"""The school's own figures for a term or a year: counts per grade and class, never names.

Run inside the library's schema. What counts:

* the **loans of a period** are the loans whose ``loaned_at`` falls on a day of the period (the
  library's local date), whatever became of them later (returned, still open or lost);
* a **student loan** is a loan to a reader of type student; class corner loans are counted to
  their class, apart from students' own loans, and in the library's total;
* a student counts to the class they are in **now** (the reader's current class), and a grade is
  the sum of its classes;
* **students with a card** are student readers whose card is active; the **enrolment** is the
  school's own figure (``Library.student_count`` in the public table). When a library has not
  given it, the students with a card stand in for it and the answer says so (``source``);
* **items held** are the items not withdrawn, today; **new items** of a year are those acquired
  in that calendar year (``acquired_on``, else the day the item was created).

Everything is aggregated in SQL: a handful of queries whatever the size of the library.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, DateField, Q
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.exceptions import NotFound, UserError
from circulation.models import GRADE_NAMES, CalendarPeriod, Loan, Reader, SchoolClass
from tenants.catalogue.models import Item, ItemStatus

TOP_TITLES = 10
TABLES = ("summary", "grades", "classes", "titles")
# A school year starts on the first of September (the year named is the year it starts in).
SCHOOL_YEAR_START_MONTH = 9


@dataclass(frozen=True)
class Period:
    """The days the figures cover, both ends included."""

    kind: str  # "term", "school_year", "year" or "range"
    starts_on: dt.date
    ends_on: dt.date
    label: str
    term_id: int | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "from": self.starts_on.isoformat(), "to": self.ends_on.isoformat(),
                "label": self.label, "term": self.term_id}


def _parse_int(value, name: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise UserError(_("%(name)s must be a whole number.") % {"name": name}, code="bad_period") from None


def _parse_date(value, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(_("%(name)s must be a date like 2026-09-01.") % {"name": name}, code="bad_period") from None


def _check_year(year: int) -> int:
    if not 1900 <= year <= 2200:
        raise UserError(_("The year %(year)s is out of range.") % {"year": year}, code="bad_period")
    return year


def terms():
    """The terms of the school calendar, newest first (for a period chooser)."""
    return CalendarPeriod.objects.filter(kind=CalendarPeriod.Kind.TERM).order_by("-starts_on")


def period_for(*, term=None, year=None, school_year=None, date_from=None, date_to=None,
               today: dt.date | None = None) -> Period:
    """The period asked for (one of: a term's id, a calendar year, a school year, from/to dates).

    With nothing asked: the term that covers ``today``, else the latest term begun, else this
    calendar year.
    """
    today = today or timezone.localdate()
    if term not in (None, ""):
        period = CalendarPeriod.objects.filter(pk=_parse_int(term, "term"), kind=CalendarPeriod.Kind.TERM).first()
        if period is None:
            raise NotFound(_("There is no such term in the school calendar."), code="term_unknown")
        return Period("term", period.starts_on, period.ends_on, period.name, period.pk)
    if year not in (None, ""):
        y = _check_year(_parse_int(year, "year"))
        return Period("year", dt.date(y, 1, 1), dt.date(y, 12, 31), str(y))
    if school_year not in (None, ""):
        y = _check_year(_parse_int(school_year, "school_year"))
        return Period("school_year", dt.date(y, SCHOOL_YEAR_START_MONTH, 1),
                      dt.date(y + 1, SCHOOL_YEAR_START_MONTH, 1) - dt.timedelta(days=1),
                      _("School year %(start)s–%(end)s") % {"start": y, "end": y + 1})
    if date_from not in (None, "") or date_to not in (None, ""):
        if date_from in (None, "") or date_to in (None, ""):
            raise UserError(_("Give both the first and the last day."), code="bad_period")
        start, end = _parse_date(date_from, "from"), _parse_date(date_to, "to")
        if end < start:
            raise UserError(_("The last day comes before the first."), code="bad_period")
        _check_year(start.year), _check_year(end.year)
        return Period("range", start, end, f"{start.isoformat()} – {end.isoformat()}")
    current = (terms().filter(starts_on__lte=today, ends_on__gte=today).first()
               or terms().filter(starts_on__lte=today).first())
    if current is not None:
        return Period("term", current.starts_on, current.ends_on, current.name, current.pk)
    return Period("year", dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), str(today.year))


def _ratio(numerator: int, denominator: int, places: int = 2) -> float | None:
    return round(numerator / denominator, places) if denominator else None


def _grade_label(grade: int | None) -> str:
    return str(GRADE_NAMES.get(grade, grade)) if grade is not None else _("No class")


def school_figures(library, period: Period) -> dict:
    """The figures of ``library`` (whose schema is current) for ``period``, as plain data.

    Returns ``{"period", "enrolment", "summary", "grades", "classes", "titles"}``; each of the
    last four is a list of rows (dicts), the tables of the figures page and its exports.
    """
    loans = Loan.objects.filter(loaned_at__date__gte=period.starts_on, loaned_at__date__lte=period.ends_on)
    student = Q(reader__kind=Reader.Kind.STUDENT)
    totals = loans.aggregate(
        all=Count("id"), students=Count("id", filter=student), corner=Count("id", filter=Q(corner__isnull=False)),
        borrowers=Count("reader", filter=student, distinct=True))

    # Active student cards, per class (None: students without a class).
    cards_by_class = dict(Reader.objects.filter(kind=Reader.Kind.STUDENT, status=Reader.Status.ACTIVE)
                          .values_list("school_class").annotate(n=Count("id")).order_by())
    cards = sum(cards_by_class.values())
    student_loans_by_class = dict(loans.filter(student).values_list("reader__school_class")
                                  .annotate(n=Count("id")).order_by())
    corner_loans_by_class = dict(loans.filter(corner__isnull=False).values_list("corner__school_class")
                                 .annotate(n=Count("id")).order_by())
    class_ids = set(cards_by_class) | set(student_loans_by_class) | set(corner_loans_by_class)
    classes = SchoolClass.objects.filter(Q(active=True) | Q(pk__in=[pk for pk in class_ids if pk]))

    items = _item_counts(period.ends_on.year)

    enrolled = library.student_count or 0
    enrolment = {"students": enrolled or cards, "source": "library" if enrolled else "cards"}
    denominator = enrolment["students"]

    class_rows = []
    for school_class in classes:
        class_rows.append(_class_row(
            school_class.pk, school_class.grade, school_class.number, str(school_class),
            cards_by_class.get(school_class.pk, 0), student_loans_by_class.get(school_class.pk, 0),
            corner_loans_by_class.get(school_class.pk, 0)))
    if cards_by_class.get(None) or student_loans_by_class.get(None):
        class_rows.append(_class_row(None, None, "", _("No class"), cards_by_class.get(None, 0),
                                     student_loans_by_class.get(None, 0), 0))

    grade_rows: dict[int | None, dict] = {}
    for row in class_rows:
        grade = grade_rows.setdefault(row["grade"], {"grade": row["grade"], "label": _grade_label(row["grade"]),
                                                     "students": 0, "loans": 0, "corner_loans": 0})
        for key in ("students", "loans", "corner_loans"):
            grade[key] += row[key]
    for grade in grade_rows.values():
        grade["loans_per_student"] = _ratio(grade["loans"], grade["students"])
    grades = sorted(grade_rows.values(), key=lambda g: (g["grade"] is None, g["grade"] or 0))
    grades = [g for g in grades if g["students"] or g["loans"] or g["corner_loans"]]

    summary = [
        _figure("loans_per_student", _("Loans per student"), _ratio(totals["students"], cards),
                totals["students"], cards, _("loans by students / students with an active card")),
        _figure("card_share", _("Share of students with a card"), _ratio(cards, denominator, 4), cards,
                denominator, _enrolment_basis(enrolment, _("students with an active card"))),
        _figure("borrower_share", _("Share of students with at least one loan"),
                _ratio(totals["borrowers"], denominator, 4), totals["borrowers"], denominator,
                _enrolment_basis(enrolment, _("students who borrowed in the period"))),
        _figure("circulation_rate", _("Circulation rate"), _ratio(totals["all"], items["held"]), totals["all"],
                items["held"], _("all loans of the period (class corners included) / items held")),
        _figure("items_per_student", _("Books per student"), _ratio(items["held"], denominator), items["held"],
                denominator, _enrolment_basis(enrolment, _("items held"))),
        _figure("new_items_per_student", _("New books per student in %(year)s") % {"year": period.ends_on.year},
                _ratio(items["new"], denominator), items["new"], denominator,
                _enrolment_basis(enrolment, _("items acquired in %(year)s") % {"year": period.ends_on.year})),
        _figure("loans", _("Loans"), totals["all"], totals["all"], None, _("all loans of the period")),
        _figure("student_loans", _("Loans by students"), totals["students"], totals["students"], None,
                _("students' own loans")),
        _figure("corner_loans", _("Class corner loans"), totals["corner"], totals["corner"], None,
                _("items lent to class book corners")),
    ]
    return {
        "period": period.as_dict(),
        "enrolment": enrolment,
        "summary": summary,
        "grades": grades,
        "classes": class_rows,
        "titles": top_titles(loans),
    }


def _item_counts(year: int) -> dict:
    acquired = Coalesce("acquired_on", Cast(TruncDate("created_at"), DateField()))
    return Item.objects.exclude(status=ItemStatus.WITHDRAWN).annotate(acquired=acquired).aggregate(
        held=Count("id"),
        new=Count("id", filter=Q(acquired__gte=dt.date(year, 1, 1), acquired__lte=dt.date(year, 12, 31))),
    )


def _class_row(pk, grade, number, label, students, loans, corner_loans) -> dict:
    return {"class_id": pk, "grade": grade, "class": number, "label": label, "students": students,
            "loans": loans, "corner_loans": corner_loans, "loans_per_student": _ratio(loans, students)}


def _figure(key, label, value, numerator, denominator, basis) -> dict:
    return {"key": key, "label": label, "value": value, "numerator": numerator, "denominator": denominator,
            "basis": basis}


def _enrolment_basis(enrolment: dict, what: str) -> str:
    if enrolment["source"] == "library":
        return _("%(what)s / the school's enrolment") % {"what": what}
    return _("%(what)s / students with a card (the school has not given its enrolment)") % {"what": what}


def top_titles(loans, limit: int = TOP_TITLES) -> list[dict]:
    """The most-borrowed instances among ``loans``: most loans first, then by title."""
    rows = (loans.values("item__holdings__instance", "item__holdings__instance__title")
            .annotate(n=Count("id")).order_by("-n", "item__holdings__instance__title", "item__holdings__instance")
            [:limit])
    return [{"rank": rank, "instance_id": row["item__holdings__instance"],
             "title": row["item__holdings__instance__title"], "loans": row["n"]}
            for rank, row in enumerate(rows, start=1)]


def check_table(name: str) -> str:
    if name not in TABLES:
        raise UserError(_("No table is called %(name)s.") % {"name": name or "—"}, code="table_unknown")
    return name


def table(figures: dict, name: str) -> tuple[list[str], list[list]]:
    """One table of ``figures`` as a header and rows (for CSV and XLSX)."""
    check_table(name)
    if name == "summary":
        return ([_("Figure"), _("Value"), _("Numerator"), _("Denominator"), _("Basis")],
                [[f["label"], f["value"], f["numerator"], f["denominator"], f["basis"]] for f in figures["summary"]])
    if name == "grades":
        return ([_("Grade"), _("Students with a card"), _("Loans by students"), _("Class corner loans"),
                 _("Loans per student")],
                [[g["label"], g["students"], g["loans"], g["corner_loans"], g["loans_per_student"]]
                 for g in figures["grades"]])
    if name == "classes":
        return ([_("Class"), _("Grade"), _("Students with a card"), _("Loans by students"), _("Class corner loans"),
                 _("Loans per student")],
                [[c["label"], c["grade"], c["students"], c["loans"], c["corner_loans"], c["loans_per_student"]]
                 for c in figures["classes"]])
    return ([_("Rank"), _("Title"), _("Loans")], [[t["rank"], t["title"], t["loans"]] for t in figures["titles"]])


def export_csv(figures: dict, name: str) -> bytes:
    """One table as CSV (UTF-8 with a byte order mark, so spreadsheet programs read Chinese right)."""
    import csv
    import io

    header, rows = table(figures, name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(figures: dict, name: str) -> bytes:
    """One table as an XLSX workbook of one sheet."""
    import io

    from openpyxl import Workbook

    header, rows = table(figures, name)
    book = Workbook()
    sheet = book.active
    sheet.title = name
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(library, figures: dict, name: str, extension: str) -> str:
    period = figures["period"]
    return f"{library.code}-{name}-{period['from']}-{period['to']}.{extension}"
