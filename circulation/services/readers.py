"""Readers and classes of one library: the card file, suspension, leaving, PINs, the yearly
promotion, and a reader's own data (export, erasure).

Run inside the library's schema. Only the library's own circulation staff call these (the API and
pages check it); readers' data never leaves this schema except in an export the library asks for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.exceptions import Conflict, NotFound, UserError
from circulation.models import Charge, DeskEvent, Loan, Reader, SchoolClass
from circulation.services.desk import log_event

READER_FIELDS = ("card_number", "name", "kind", "school_class", "student_number", "email")
CLASS_FIELDS = ("grade", "number", "teacher", "entry_year", "active")
PIN_MIN_LENGTH = 4

# The top grade of each kind of school: its classes graduate at promotion (grades 13-16 are
# college years). A public library has no classes to promote.
TOP_GRADE = {"primary": 6, "middle": 9, "nine_year": 9, "high": 12, "vocational": 12, "college": 16}


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
                         for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def _save(instance, *, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise UserError(_validation_message(exc), code="invalid") from exc
    instance.save()


# --- The card file ------------------------------------------------------------------------------

def search_readers(*, q: str = "", school_class: int | str | None = None, kind: str = "", status: str = "",
                   grade: int | str | None = None):
    """Readers matching the filters; ``q`` finds a name, card number or student number."""
    readers = Reader.objects.select_related("school_class")
    if q := (q or "").strip():
        readers = readers.filter(Q(name__icontains=q) | Q(card_number__iexact=q) | Q(student_number__iexact=q)
                                 | Q(card_number__startswith=q))
    if school_class:
        readers = readers.filter(school_class_id=_number(school_class, "class"))
    if grade:
        readers = readers.filter(school_class__grade=_number(grade, "grade"))
    if kind:
        readers = readers.filter(kind=kind)
    else:  # partner libraries (ILL) are listed only when asked for
        readers = readers.exclude(kind=Reader.Kind.LIBRARY)
    if status:
        readers = readers.filter(status=status)
    return readers.order_by("school_class__grade", "school_class__number", "card_number")


def _number(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UserError(_("%(name)s must be a number.") % {"name": name}, code="invalid") from None


def get_reader(pk) -> Reader:
    reader = Reader.objects.select_related("school_class").filter(pk=pk).first()
    if reader is None:
        raise NotFound(_("No reader has the id %(id)s.") % {"id": pk}, code="reader_unknown")
    return reader


def create_reader(*, actor=None, **fields) -> Reader:
    reader = Reader(**{k: v for k, v in fields.items() if k in READER_FIELDS})
    reader.card_number = (reader.card_number or reader.student_number or "").strip()
    _save(reader, exclude=("pin_hash",))
    return reader


def update_reader(reader: Reader, *, actor=None, **fields) -> Reader:
    for name, value in fields.items():
        if name in READER_FIELDS:
            setattr(reader, name, value)
    _save(reader, exclude=("pin_hash",))
    return reader


def set_status(reader: Reader, status: str, *, reason: str = "", left_on: dt.date | None = None,
               actor=None) -> Reader:
    """Suspend (with a reason), reactivate, or mark as having left the school."""
    if status == Reader.Status.SUSPENDED:
        if not (reason or "").strip():
            raise UserError(_("Give a reason for the suspension."), code="reason_required")
        reader.suspended_reason = reason.strip()[:200]
    elif status == Reader.Status.ACTIVE:
        reader.suspended_reason, reader.left_on = "", None
    elif status == Reader.Status.LEFT:
        reader.left_on = left_on or timezone.localdate()
    else:
        raise UserError(_("Unknown reader status %(status)s.") % {"status": status}, code="invalid")
    reader.status = status
    reader.save(update_fields=["status", "suspended_reason", "left_on", "updated_at"])
    log_event(DeskEvent.Action.READER, ok=True, actor=actor, code=status, card=reader.card_number,
              message=reader.suspended_reason if status == Reader.Status.SUSPENDED else "")
    return reader


def set_pin(reader: Reader, pin: str, *, actor=None) -> Reader:
    """Set (or with an empty ``pin``, remove) the password or PIN the reader signs in with."""
    pin = (pin or "").strip()
    if pin and len(pin) < PIN_MIN_LENGTH:
        raise UserError(_("A PIN has at least %(n)s characters.") % {"n": PIN_MIN_LENGTH}, code="pin_too_short")
    reader.pin_hash = make_password(pin) if pin else ""
    reader.save(update_fields=["pin_hash", "updated_at"])
    log_event(DeskEvent.Action.READER, ok=True, actor=actor, code="pin_set" if pin else "pin_removed",
              card=reader.card_number)
    return reader


# --- Classes -------------------------------------------------------------------------------------

def classes(*, include_inactive: bool = False):
    qs = SchoolClass.objects.select_related("teacher").annotate(
        student_count=Count("students", filter=Q(students__status=Reader.Status.ACTIVE)))
    return qs if include_inactive else qs.filter(active=True)


def get_class(pk) -> SchoolClass:
    school_class = SchoolClass.objects.select_related("teacher").filter(pk=pk).first()
    if school_class is None:
        raise NotFound(_("No class has the id %(id)s.") % {"id": pk}, code="class_unknown")
    return school_class


def _check_teacher(teacher) -> None:
    if teacher is not None and teacher.kind == Reader.Kind.STUDENT:
        raise UserError(_("A class teacher is a teacher or member of staff, not a student."), code="invalid")


def _check_grade(grade) -> None:
    if not isinstance(grade, int) or not 1 <= grade <= 16:
        raise UserError(_("A grade is 1 to 12 (13 to 16: college years)."), code="invalid")


def create_class(*, actor=None, **fields) -> SchoolClass:
    school_class = SchoolClass(**{k: v for k, v in fields.items() if k in CLASS_FIELDS})
    school_class.number = str(school_class.number or "").strip()
    _check_grade(school_class.grade)
    _check_teacher(school_class.teacher)
    _save(school_class)
    return school_class


def update_class(school_class: SchoolClass, *, actor=None, **fields) -> SchoolClass:
    for name, value in fields.items():
        if name in CLASS_FIELDS:
            setattr(school_class, name, value)
    _check_grade(school_class.grade)
    _check_teacher(school_class.teacher)
    _save(school_class)
    return school_class


# --- Promotion at the start of a school year ----------------------------------------------------

@dataclass
class PromotionPlan:
    """What promotion will do (or did): classes moved up, classes graduating, readers leaving."""

    top_grade: int
    moves: list[tuple[SchoolClass, int, int]] = field(default_factory=list)
    graduating: list[SchoolClass] = field(default_factory=list)
    leaving: int = 0
    # Readers marked left who still have items on loan: the desk must chase these books.
    leaving_with_loans: list[Reader] = field(default_factory=list)
    done: bool = False

    def as_dict(self) -> dict:
        return {
            "top_grade": self.top_grade, "done": self.done, "leaving": self.leaving,
            "moves": [{"class_id": c.pk, "class": str(c), "from_grade": a, "to_grade": b} for c, a, b in self.moves],
            "graduating": [{"class_id": c.pk, "class": str(c)} for c in self.graduating],
            "leaving_with_loans": [{"id": r.pk, "card_number": r.card_number, "name": r.name,
                                    "open_loans": r.open_loans} for r in self.leaving_with_loans],
        }


def top_grade_of(library) -> int:
    top = TOP_GRADE.get(getattr(library, "kind", ""), 0)
    if not top:
        raise UserError(_("This library has no school grades to promote."), code="no_grades")
    return top


def plan_promotion(top_grade: int) -> PromotionPlan:
    plan = PromotionPlan(top_grade=top_grade)
    active = list(SchoolClass.objects.filter(active=True).order_by("-grade", "number"))
    plan.graduating = [c for c in active if c.grade >= top_grade]
    plan.moves = [(c, c.grade, c.grade + 1) for c in active if c.grade < top_grade]
    leaving = Reader.objects.filter(school_class__in=plan.graduating).exclude(status=Reader.Status.LEFT)
    plan.leaving = leaving.count()
    plan.leaving_with_loans = list(
        leaving.annotate(open_loans=Count("loans", filter=Q(loans__status=Loan.Status.OPEN)))
        .filter(open_loans__gt=0).order_by("card_number"))
    return plan


def promote(top_grade: int, *, today: dt.date | None = None, actor=None) -> PromotionPlan:
    """Move every active class up a grade; the top grade graduates (classes inactive, students left).

    Classes are moved from the highest grade down, so a class never meets the one above it
    under the active-class unique constraint.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        list(SchoolClass.objects.select_for_update().filter(active=True))
        plan = plan_promotion(top_grade)
        graduating = [c.pk for c in plan.graduating]
        Reader.objects.filter(school_class_id__in=graduating).exclude(status=Reader.Status.LEFT).update(
            status=Reader.Status.LEFT, left_on=today, updated_at=timezone.now())
        SchoolClass.objects.filter(pk__in=graduating).update(active=False)
        for grade in sorted({a for _c, a, _b in plan.moves}, reverse=True):
            SchoolClass.objects.filter(active=True, grade=grade).update(grade=grade + 1)
        plan.done = True
        log_event(DeskEvent.Action.READER, ok=True, actor=actor, code="promotion",
                  message=_("%(moved)s classes moved up, %(graduated)s graduated, %(left)s readers left.") % {
                      "moved": len(plan.moves), "graduated": len(graduating), "left": plan.leaving})
    return plan


# --- A reader's own data: export and erasure ----------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


def reader_data(reader: Reader) -> dict:
    """Everything the library holds about ``reader``: the card, loans, charges and desk events."""
    loans = (Loan.objects.filter(reader=reader).select_related("item__holdings__instance")
             .order_by("loaned_at", "pk"))
    charges = Charge.objects.filter(reader=reader).select_related("item").order_by("created_at", "pk")
    events = DeskEvent.objects.filter(card_number=reader.card_number).order_by("at", "pk") \
        if reader.card_number else DeskEvent.objects.none()
    return {
        "reader": {
            "id": reader.pk, "card_number": reader.card_number, "name": reader.name, "kind": reader.kind,
            "status": reader.status, "class": str(reader.school_class) if reader.school_class_id else None,
            "grade": reader.grade, "student_number": reader.student_number, "email": reader.email,
            "has_pin": bool(reader.pin_hash), "has_web_account": reader.user_id is not None,
            "suspended_reason": reader.suspended_reason, "left_on": _iso(reader.left_on),
            "created_at": _iso(reader.created_at), "updated_at": _iso(reader.updated_at),
        },
        "loans": [{
            "id": loan.pk, "barcode": loan.item.barcode, "title": loan.item.holdings.instance.title,
            "status": loan.status, "loaned_at": _iso(loan.loaned_at), "due_on": _iso(loan.due_on),
            "returned_at": _iso(loan.returned_at), "renewals": loan.renewals,
        } for loan in loans],
        "charges": [{
            "id": charge.pk, "kind": charge.kind, "amount": str(charge.amount), "status": charge.status,
            "barcode": charge.item.barcode if charge.item_id else "", "note": charge.note,
            "created_at": _iso(charge.created_at), "settled_at": _iso(charge.settled_at),
        } for charge in charges],
        "desk_events": [{
            "at": _iso(event.at), "action": event.action, "ok": event.ok, "code": event.code,
            "barcode": event.item_barcode, "message": event.message,
        } for event in events],
    }


def export_reader(reader: Reader, *, as_: str = "json", actor=None) -> tuple[bytes, str, str]:
    """The reader's data as (body, content type, file name); logged as a reader-data event."""
    data = reader_data(reader)
    log_event(DeskEvent.Action.READER, ok=True, actor=actor, code="export", card=reader.card_number)
    name = f"reader-{reader.pk}"
    if as_ == "csv":
        # Long format (section, record, field, value): one table for the card, loans and charges.
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "record", "field", "value"])
        for key, value in data["reader"].items():
            writer.writerow(["reader", reader.pk, key, "" if value is None else value])
        for section in ("loans", "charges", "desk_events"):
            for n, row in enumerate(data[section], start=1):
                for key, value in row.items():
                    writer.writerow([section, row.get("id", n), key, "" if value is None else value])
        return out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", f"{name}.csv"
    if as_ != "json":
        raise UserError(_("Export as json or csv."), code="invalid")
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return body, "application/json", f"{name}.json"


def erase_reader(reader: Reader, *, actor=None, today: dt.date | None = None) -> Reader:
    """Anonymise ``reader``: identity removed, loans and charges kept without it for the figures.

    Refused while the reader still has items on loan or open charges: those need a name.
    """
    with transaction.atomic():
        reader = Reader.objects.select_for_update().get(pk=reader.pk)
        open_loans = Loan.objects.filter(reader=reader, status=Loan.Status.OPEN).count()
        open_charges = Charge.objects.filter(reader=reader, status=Charge.Status.OPEN).count()
        if open_loans or open_charges:
            raise Conflict(_("This reader cannot be erased yet: %(loans)s item(s) on loan and %(charges)s open "
                             "charge(s) must be settled first.") % {"loans": open_loans, "charges": open_charges},
                           code="reader_has_open_items")
        old_card, user_id = reader.card_number, reader.user_id
        reader.card_number = f"erased-{reader.pk}"
        reader.name = ""
        reader.student_number = reader.email = reader.pin_hash = reader.suspended_reason = ""
        reader.user_id = None
        reader.status = Reader.Status.LEFT
        reader.left_on = reader.left_on or today or timezone.localdate()
        reader.save()
        SchoolClass.objects.filter(teacher=reader).update(teacher=None)
        # Desk messages name the reader ("Lent … to 张三"): the card and message go, the counts stay.
        if old_card:
            DeskEvent.objects.filter(card_number=old_card).update(card_number="", message="")
        if user_id is not None:
            _drop_opaque_account(user_id)
        log_event(DeskEvent.Action.READER, ok=True, actor=actor, code="erase",
                  message=_("Reader %(id)s erased.") % {"id": reader.pk})
    return reader


def _drop_opaque_account(user_id: int) -> None:
    """Delete the web account of an erased reader when it is one of ours (reader-<library>-<reader>)."""
    get_user_model().objects.filter(pk=user_id, username__startswith="reader-").delete()
