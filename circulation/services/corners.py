"""Class book corners (班级图书角): batches of items lent to a class under its class teacher.

A batch has one due date for all its items: the last open day of the term that covers the day it
is lent, or, outside any term, the loan period of the teachers' loan rule (the library's own
setting), always on an open day. Every item leaves the shelf through the desk's ``lend`` (one
conditional update of the item), so a corner item is on loan like any other, to the class.

A batch is NOT all-or-nothing: a teacher brings a pile of books and the pile goes, less the
books that cannot (an unknown barcode, a reference book, an item already on loan). Each barcode
gets its own savepoint; those refused are reported one by one with the refusal's code and
message, so the teacher knows which books stay behind. Only when no item at all could go is
nothing made (the outcome has no batch).

Rotation hands a batch on to another class: the items stay off the shelf (their status does
not change), the old loans are closed and new ones opened under a new batch that records
``rotated_from``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.exceptions import NotFound, Refused, UserError
from circulation.models import CalendarPeriod, CornerBatch, DeskEvent, Loan, Reader, SchoolClass
from circulation.services.calendar import MAX_SEARCH_DAYS, SchoolCalendar
from circulation.services.desk import (
    actor_name,
    check_item_lendable,
    close_loan,
    find_item,
    lend,
    log_event,
    scanned,
    title_of,
)
from circulation.services.rules import rule_for


@dataclass
class BarcodeRefusal:
    """A barcode of a batch that did not go (or come back), and why."""

    barcode: str
    code: str
    message: str


@dataclass
class CornerOutcome:
    """What a corner action did: the batch, the loans opened and closed, the barcodes refused."""

    batch: CornerBatch | None
    lent: list[Loan] = field(default_factory=list)
    returned: list[Loan] = field(default_factory=list)
    refused: list[BarcodeRefusal] = field(default_factory=list)


def clean_barcodes(barcodes) -> list[str]:
    """Barcodes from a list or a scanned block of text, stripped, blanks and repeats dropped, in order."""
    if isinstance(barcodes, str):
        barcodes = barcodes.split()
    seen: dict[str, None] = {}
    for barcode in barcodes or ():
        barcode = scanned(str(barcode))
        if barcode:
            seen.setdefault(barcode, None)
    return list(seen)


def last_open_day_until(calendar: SchoolCalendar, day: dt.date, earliest: dt.date) -> dt.date | None:
    """The last open day on or before ``day`` and not before ``earliest``."""
    for _step in range(MAX_SEARCH_DAYS):
        if day < earliest:
            return None
        if calendar.is_open(day):
            return day
        day -= dt.timedelta(days=1)
    return None


def default_due_date(today: dt.date, calendar: SchoolCalendar | None = None) -> dt.date:
    """The end of the term covering ``today`` (its last open day), else the teachers' loan period."""
    calendar = calendar or SchoolCalendar()
    term = (CalendarPeriod.objects.filter(kind=CalendarPeriod.Kind.TERM, starts_on__lte=today, ends_on__gte=today)
            .order_by("ends_on").first())
    if term is not None:
        due = last_open_day_until(calendar, term.ends_on, today + dt.timedelta(days=1))
        if due is not None:
            return due
    return calendar.due_date(today, rule_for(Reader.Kind.TEACHER, "").loan_days)


def due_date_for(today: dt.date, due_on: dt.date | None = None) -> dt.date:
    """The batch's due date: the one asked for (moved to an open day) or the default."""
    calendar = SchoolCalendar()
    if due_on is None:
        return default_due_date(today, calendar)
    if due_on <= today:
        raise UserError(_("The due date must be after today."), code="due_in_past")
    return calendar.next_open_day(due_on)


def _teacher_of(school_class: SchoolClass, teacher: Reader | None) -> Reader:
    teacher = teacher or school_class.teacher
    if teacher is None:
        raise Refused(_("%(cls)s has no class teacher; set one before lending a class corner.") % {
            "cls": school_class}, code="no_teacher")
    if teacher.status != Reader.Status.ACTIVE:
        raise Refused(_("The class teacher's card is not active."), code="card_inactive")
    return teacher


def _lend_into(batch: CornerBatch, barcodes: list[str], teacher: Reader, *, actor, role: str,
               outcome: CornerOutcome) -> None:
    """Lend each barcode into ``batch`` in its own savepoint; refusals are collected, not raised."""
    for barcode in barcodes:
        try:
            with transaction.atomic():
                item = find_item(barcode)
                rule = rule_for(teacher.kind, item.holdings.instance.material_type)
                check_item_lendable(item, rule)
                loan = lend(item, corner=batch, due_on=batch.due_on, rule=rule.as_dict(), actor=actor,
                            note="class corner")
        except UserError as exc:  # unknown barcode, reference book, not on the shelf…
            outcome.refused.append(BarcodeRefusal(barcode, exc.code, exc.message))
            log_event(DeskEvent.Action.CORNER, ok=False, actor=actor, role=role, code=exc.code,
                      message=exc.message, barcode=barcode, card=teacher.card_number)
            continue
        outcome.lent.append(loan)
        log_event(DeskEvent.Action.CORNER, ok=True, actor=actor, role=role, code="lent",
                  message=_("Lent “%(title)s” to the corner of %(cls)s, due %(due)s.") % {
                      "title": title_of(item), "cls": batch.school_class, "due": batch.due_on.isoformat()},
                  barcode=barcode, card=teacher.card_number, loan=loan)


def lend_batch(school_class: SchoolClass, barcodes, *, due_on: dt.date | None = None, teacher: Reader | None = None,
               actor=None, role: str = "", today: dt.date | None = None, note: str = "") -> CornerOutcome:
    """Lend the items with ``barcodes`` to ``school_class``'s corner under one due date.

    Items that cannot go are reported in ``refused``; when none could go, no batch is made.
    """
    today = today or timezone.localdate()
    barcodes = clean_barcodes(barcodes)
    if not barcodes:
        raise UserError(_("Scan or type at least one barcode."), code="no_barcodes")
    if not school_class.active:
        raise Refused(_("%(cls)s is no longer active.") % {"cls": school_class}, code="class_inactive")
    teacher = _teacher_of(school_class, teacher)
    due = due_date_for(today, due_on)
    with transaction.atomic():
        batch = CornerBatch.objects.create(school_class=school_class, teacher=teacher, lent_on=today, due_on=due,
                                           note=note[:200], created_by=actor_name(actor))
        outcome = CornerOutcome(batch)
        _lend_into(batch, barcodes, teacher, actor=actor, role=role, outcome=outcome)
        if not outcome.lent:
            # Nothing went: no empty batch is left behind (the refusals were logged above and stay).
            CornerBatch.objects.filter(pk=batch.pk).delete()
            outcome.batch = None
    return outcome


def open_batch(pk: int, *, lock: bool = False) -> CornerBatch:
    qs = CornerBatch.objects.select_related("school_class", "teacher")
    if lock:
        qs = qs.select_for_update(of=("self",))
    batch = qs.filter(pk=pk).first()
    if batch is None:
        raise NotFound(_("No class corner batch %(pk)s.") % {"pk": pk}, code="batch_unknown")
    return batch


def _require_open(batch: CornerBatch) -> None:
    if batch.status != CornerBatch.Status.OPEN:
        raise Refused(_("This batch has already been returned."), code="batch_returned")


def _finish_if_empty(batch: CornerBatch, today: dt.date) -> None:
    if not batch.loans.filter(status=Loan.Status.OPEN).exists():
        CornerBatch.objects.filter(pk=batch.pk, status=CornerBatch.Status.OPEN).update(
            status=CornerBatch.Status.RETURNED, returned_on=today)
        batch.status, batch.returned_on = CornerBatch.Status.RETURNED, today


def _return_loans(batch: CornerBatch, loans, *, actor, role: str, outcome: CornerOutcome) -> None:
    for loan in loans:
        close_loan(loan, actor=actor, note="class corner")
        outcome.returned.append(loan)
        log_event(DeskEvent.Action.CORNER, ok=True, actor=actor, role=role, code="returned",
                  message=_("Returned “%(title)s” from the corner of %(cls)s.") % {
                      "title": title_of(loan.item), "cls": batch.school_class},
                  barcode=loan.item.barcode, loan=loan)


def _open_loans(batch: CornerBatch):
    return (Loan.objects.select_for_update(of=("self",)).select_related("item__holdings__instance")
            .filter(corner=batch, status=Loan.Status.OPEN).order_by("id"))


def return_items(batch: CornerBatch, barcodes=None, *, actor=None, role: str = "",
                 today: dt.date | None = None) -> CornerOutcome:
    """Take back the batch's items with ``barcodes`` (all of them when none are named).

    A barcode that is not an open loan of this batch is reported, not fatal. The batch is
    returned when its last item is back.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        batch = open_batch(batch.pk, lock=True)
        _require_open(batch)
        outcome = CornerOutcome(batch)
        loans = list(_open_loans(batch))
        wanted = clean_barcodes(barcodes) if barcodes else None
        if wanted is not None:
            by_barcode = {loan.item.barcode: loan for loan in loans}
            for barcode in wanted:
                if barcode not in by_barcode:
                    outcome.refused.append(BarcodeRefusal(barcode, "not_in_batch", _(
                        "%(barcode)s is not on loan in this batch.") % {"barcode": barcode}))
            loans = [by_barcode[b] for b in wanted if b in by_barcode]
        _return_loans(batch, loans, actor=actor, role=role, outcome=outcome)
        _finish_if_empty(batch, today)
    return outcome


def exchange(batch: CornerBatch, *, returned=(), added=(), actor=None, role: str = "",
             today: dt.date | None = None) -> CornerOutcome:
    """Swap books of a corner: take back ``returned`` and lend ``added`` under the batch's due date."""
    today = today or timezone.localdate()
    returned, added = clean_barcodes(returned), clean_barcodes(added)
    if not returned and not added:
        raise UserError(_("Scan or type at least one barcode."), code="no_barcodes")
    with transaction.atomic():
        batch = open_batch(batch.pk, lock=True)
        _require_open(batch)
        outcome = CornerOutcome(batch)
        if returned:
            back = return_items(batch, returned, actor=actor, role=role, today=today)
            outcome.returned, outcome.refused = back.returned, back.refused
            # Returning every book before adding the new ones must not close the batch.
            CornerBatch.objects.filter(pk=batch.pk).update(status=CornerBatch.Status.OPEN, returned_on=None)
            batch.status, batch.returned_on = CornerBatch.Status.OPEN, None
        if added:
            teacher = batch.teacher or _teacher_of(batch.school_class, None)
            _lend_into(batch, added, teacher, actor=actor, role=role, outcome=outcome)
        _finish_if_empty(batch, today)
    return outcome


def rotate(batch: CornerBatch, to_class: SchoolClass, *, due_on: dt.date | None = None, teacher: Reader | None = None,
           actor=None, role: str = "", today: dt.date | None = None) -> CornerOutcome:
    """Hand the batch's items on to ``to_class``: the old loans close, new ones open under a new batch.

    The items never come back to the shelf, so their status stays "checked out" throughout.
    """
    today = today or timezone.localdate()
    if to_class.pk == batch.school_class_id:
        raise UserError(_("The batch is already in this class."), code="same_class")
    if not to_class.active:
        raise Refused(_("%(cls)s is no longer active.") % {"cls": to_class}, code="class_inactive")
    teacher = _teacher_of(to_class, teacher)
    due = due_date_for(today, due_on)
    with transaction.atomic():
        batch = open_batch(batch.pk, lock=True)
        _require_open(batch)
        loans = list(_open_loans(batch))
        if not loans:
            raise Refused(_("This batch has no items left to hand on."), code="batch_empty")
        new = CornerBatch.objects.create(school_class=to_class, teacher=teacher, lent_on=today, due_on=due,
                                         rotated_from=batch, note=batch.note, created_by=actor_name(actor))
        outcome = CornerOutcome(new)
        for loan in loans:
            close_loan(loan, actor=actor, item_action=None)
            rule = rule_for(teacher.kind, loan.item.holdings.instance.material_type)
            opened = Loan.objects.create(item=loan.item, corner=new, due_on=due, rule=rule.as_dict(),
                                         lent_by=actor_name(actor))
            outcome.returned.append(loan)
            outcome.lent.append(opened)
            log_event(DeskEvent.Action.CORNER, ok=True, actor=actor, role=role, code="rotated",
                      message=_("“%(title)s” moved from the corner of %(old)s to %(new)s.") % {
                          "title": title_of(loan.item), "old": batch.school_class, "new": to_class},
                      barcode=loan.item.barcode, card=teacher.card_number, loan=opened)
        CornerBatch.objects.filter(pk=batch.pk).update(status=CornerBatch.Status.RETURNED, returned_on=today)
        batch.status, batch.returned_on = CornerBatch.Status.RETURNED, today
    return outcome


def open_batches(school_class: SchoolClass | None = None):
    """Batches in the classes now (of one class when given), with their open loans' items."""
    qs = (CornerBatch.objects.filter(status=CornerBatch.Status.OPEN)
          .select_related("school_class", "teacher").order_by("school_class__grade", "school_class__number", "due_on"))
    if school_class is not None:
        qs = qs.filter(school_class=school_class)
    return qs


def open_corner_loans(school_class: SchoolClass | None = None, batch: CornerBatch | None = None):
    """Items on loan to class corners: each counts as on loan to its class."""
    qs = (Loan.objects.filter(status=Loan.Status.OPEN, corner__isnull=False)
          .select_related("item__holdings__instance", "corner__school_class").order_by("corner_id", "item__barcode"))
    if school_class is not None:
        qs = qs.filter(corner__school_class=school_class)
    if batch is not None:
        qs = qs.filter(corner=batch)
    return qs


def class_of_loan(loan: Loan) -> SchoolClass | None:
    """The class a loan counts for: the corner's class, or the reader's own class."""
    if loan.corner_id:
        return loan.corner.school_class
    return loan.reader.school_class if loan.reader_id else None
