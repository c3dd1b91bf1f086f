"""Overdue lists per class for class teachers, and the e-mail reminders sent to them.

A loan is overdue on a day when at least one OPEN day has passed since its due date (weekends,
public holidays and the school's closed periods do not count; a make-up working day does).
Students' loans are listed under their class, corner loans under the corner's class; loans of
readers without a class (teachers, staff) form a list of their own, which no teacher is sent.

Reminders follow the library's policy: a loan is put in a reminder once it is
``remind_after_days`` open days overdue, and a class is e-mailed again only when its last reminder
is at least ``remind_every_days`` calendar days old. ``Loan.reminded_at`` records each reminder,
so the daily run e-mails a class once, not every day.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.models import CirculationPolicy, Loan, Reader, SchoolClass
from circulation.services.calendar import SchoolCalendar

logger = logging.getLogger(__name__)


@dataclass
class OverdueLine:
    loan: Loan
    overdue_days: int

    @property
    def item(self):
        return self.loan.item

    @property
    def title(self) -> str:
        return self.loan.item.holdings.instance.title

    @property
    def borrower(self) -> str:
        """Who has the book: the student (name and card), or the class corner."""
        if self.loan.reader_id:
            return self.loan.reader.name
        return _("Class corner")

    @property
    def card_number(self) -> str:
        return self.loan.reader.card_number if self.loan.reader_id else ""


@dataclass
class ClassOverdues:
    """The overdue list of one class (``school_class`` None: readers without a class)."""

    school_class: SchoolClass | None
    lines: list[OverdueLine] = field(default_factory=list)

    @property
    def teacher(self) -> Reader | None:
        return self.school_class.teacher if self.school_class else None

    @property
    def key(self) -> int:
        return self.school_class.pk if self.school_class else 0


def overdue_loans(today: dt.date):
    """Open loans due before ``today`` (not yet counted in open days).

    Loans to partner libraries are left out: interlibrary loan tells the borrowing library itself.
    """
    return (Loan.objects.filter(status=Loan.Status.OPEN, due_on__lt=today)
            .exclude(reader__kind=Reader.Kind.LIBRARY)
            .select_related("item__holdings__instance", "reader__school_class__teacher",
                            "corner__school_class__teacher")
            .order_by("due_on", "id"))


def overdue_by_class(today: dt.date | None = None, *, school_class: SchoolClass | None = None,
                     calendar: SchoolCalendar | None = None) -> list[ClassOverdues]:
    """The overdue lists on ``today``, one per class (by grade and class), readers without a class last."""
    today = today or timezone.localdate()
    calendar = calendar or SchoolCalendar()
    loans = overdue_loans(today)
    if school_class is not None:
        loans = loans.filter(Q(reader__school_class=school_class) | Q(corner__school_class=school_class))
    groups: dict[int, ClassOverdues] = {}
    for loan in loans:
        days = calendar.overdue_days(loan.due_on, today)
        if days < 1:
            continue
        cls = loan.corner.school_class if loan.corner_id else (loan.reader.school_class if loan.reader_id else None)
        group = groups.setdefault(cls.pk if cls else 0, ClassOverdues(cls))
        group.lines.append(OverdueLine(loan, days))
    for group in groups.values():
        group.lines.sort(key=lambda line: (-line.overdue_days, line.borrower, line.loan.item.barcode))
    return sorted(groups.values(), key=lambda g: (g.school_class is None,
                                                 (g.school_class.grade, g.school_class.number) if g.school_class
                                                 else (0, "")))


@dataclass
class ReminderReport:
    sent: list[int] = field(default_factory=list)  # ids of the classes e-mailed
    loans: int = 0  # loans put in a reminder
    not_due: list[int] = field(default_factory=list)  # classes reminded recently
    no_address: list[int] = field(default_factory=list)  # classes whose teacher has no e-mail
    failed: list[int] = field(default_factory=list)  # classes whose e-mail could not be sent

    def as_dict(self) -> dict:
        return {"sent": self.sent, "loans": self.loans, "not_due": self.not_due, "no_address": self.no_address,
                "failed": self.failed}


def lines_to_remind(group: ClassOverdues, today: dt.date, policy: CirculationPolicy) -> list[OverdueLine]:
    """The lines of ``group`` a reminder sent on ``today`` would carry; empty when it is not time yet."""
    lines = [line for line in group.lines if line.overdue_days >= max(policy.remind_after_days, 1)]
    if not lines:
        return []
    reminded = [line.loan.reminded_at for line in group.lines if line.loan.reminded_at]
    if reminded:
        last = timezone.localdate(max(reminded))
        if (today - last).days < max(policy.remind_every_days, 1):
            return []
    return lines


def reminder_message(library_name: str, group: ClassOverdues, lines: list[OverdueLine], today: dt.date):
    context = {"library_name": library_name, "school_class": group.school_class, "teacher": group.teacher,
               "lines": lines, "today": today}
    subject = _("Overdue books of %(cls)s (%(library)s)") % {"cls": group.school_class, "library": library_name}
    body = render_to_string("circulation/corners/overdue_email.txt", context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[group.teacher.email])


def send_reminders(today: dt.date | None = None, *, library_name: str = "",
                   now: dt.datetime | None = None) -> ReminderReport:
    """E-mail each class teacher the overdue list of their class when the policy says it is time."""
    today = today or timezone.localdate()
    # The reminder is dated on ``today`` (a run for another day, as in a catch-up, is dated that day).
    now = now or timezone.make_aware(dt.datetime.combine(today, timezone.localtime().time()))
    policy = CirculationPolicy.current()
    report = ReminderReport()
    for group in overdue_by_class(today):
        if group.school_class is None:
            continue
        lines = lines_to_remind(group, today, policy)
        if not lines:
            report.not_due.append(group.key)
            continue
        teacher = group.teacher
        if teacher is None or not teacher.email or teacher.status != Reader.Status.ACTIVE:
            report.no_address.append(group.key)
            continue
        try:
            reminder_message(library_name, group, lines, today).send()
        except Exception:  # a bad address or a mail server down must not stop the other classes
            logger.exception("overdue reminder to class %s failed", group.key)
            report.failed.append(group.key)
            continue
        with transaction.atomic():
            Loan.objects.filter(pk__in=[line.loan.pk for line in lines]).update(reminded_at=now)
        report.sent.append(group.key)
        report.loans += len(lines)
    return report
