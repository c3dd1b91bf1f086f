"""A term of school library life for each demo library: classes and readers, the day-one loan
rules, the school calendar, loans and returns on each class's borrowing day, overdues, a lost
book charged by the library's policy, and a class book corner.

Everything goes through the circulation services (the desk lends and takes back, so every item
status change is audited and reaches the union catalogue through the outbox); only the dates are
moved back afterwards, so the term's figures fall on the days the simulation chose.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from core import outbox
from tenants.catalogue.services.changes import CATALOGUE_OUTBOX
from tenants.models import Library

DEMO_PIN = "2026"
TODAY = dt.date(2026, 11, 27)
TERM_START = dt.date(2026, 9, 1)

CALENDAR = [
    # kind, name, from, to, library open
    ("term", "2025—2026学年第二学期", dt.date(2026, 3, 2), dt.date(2026, 7, 10), True),
    ("vacation", "2026年暑假", dt.date(2026, 7, 11), dt.date(2026, 8, 31), False),
    ("term", "2026—2027学年第一学期", dt.date(2026, 9, 1), dt.date(2027, 1, 22), True),
    ("exams", "期末考试周", dt.date(2027, 1, 11), dt.date(2027, 1, 15), True),
    ("vacation", "2027年寒假", dt.date(2027, 1, 23), dt.date(2027, 2, 23), False),
]

# Grades by kind of school (13-16: college years).
GRADES = {"primary": range(1, 7), "middle": range(7, 10), "nine_year": range(1, 10), "high": range(10, 13),
          "vocational": range(10, 13), "college": range(13, 17), "public": range(1, 2)}
CLASSES_PER_GRADE = {"primary": 2, "middle": 2, "vocational": 2}
STUDENTS_PER_CLASS = 10

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["子涵", "欣怡", "梓萱", "浩宇", "宇轩", "一诺", "若汐", "俊熙", "思远", "雨桐", "明轩", "佳怡", "博文",
         "诗涵", "子墨", "晨曦", "嘉怡", "天佑", "梦琪", "宇航", "可馨", "泽宇", "欣妍", "皓轩"]


@dataclass
class DemoReader:
    library: str
    card: str
    kind: str


def _names(rng: random.Random):
    while True:
        yield rng.choice(SURNAMES) + rng.choice(GIVEN)


def _backdate(loan_id: int, lent: dt.date, returned: dt.date | None) -> None:
    from circulation.models import DeskEvent, Loan

    tz = timezone.get_current_timezone()

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, 20), tzinfo=tz)

    Loan.objects.filter(pk=loan_id).update(loaned_at=at(lent, 10), **({"returned_at": at(returned, 15)}
                                                                       if returned else {}))
    DeskEvent.objects.filter(loan_id=loan_id, action="check_out").update(at=at(lent, 10))
    if returned:
        DeskEvent.objects.filter(loan_id=loan_id, action="check_in").update(at=at(returned, 15))


def build_circulation(library: Library, admin, progress=print) -> list[DemoReader]:
    """Give ``library`` readers, rules, a calendar and a term of loans; skipped when it has readers."""
    from circulation.models import CalendarPeriod, Reader

    with tenant_context(library):
        if Reader.objects.exists():
            first = Reader.objects.filter(kind="student", status="active").order_by("pk").first()
            return [DemoReader(library.code, first.card_number, "student")] if first else []
        with transaction.atomic():
            readers = _people(library)
            for kind, name, start, end, open_ in CALENDAR:
                CalendarPeriod.objects.create(kind=kind, name=name, starts_on=start, ends_on=end,
                                              library_open=open_)
        # Hundreds of desk commits: the union catalogue catches up once at the end, not after each.
        with outbox.held(CATALOGUE_OUTBOX):
            loans = _term_of_loans(library, admin, readers)
        progress(f"{library.code}: {len(readers)} readers, {loans} loans this term")
        student = next(r for r in readers if r.kind == "student")
        return [DemoReader(library.code, student.card_number, "student")]


def _people(library: Library):
    from circulation.models import Reader, SchoolClass
    from circulation.services.rules import install_default_rules

    install_default_rules()
    rng = random.Random(library.code)
    names = _names(rng)
    pin = make_password(DEMO_PIN)
    prefix = library.code[:2].upper()
    readers: list[Reader] = []
    n = 0
    for grade in GRADES.get(library.kind, range(1, 7)):
        for number in range(1, CLASSES_PER_GRADE.get(library.kind, 1) + 1):
            n += 1
            teacher = Reader.objects.create(card_number=f"{prefix}T{n:03d}", name=next(names) + "老师",
                                            kind=Reader.Kind.TEACHER, email=f"teacher{n}@{library.code}.example.org",
                                            pin_hash=pin)
            school_class = SchoolClass.objects.create(grade=grade, number=str(number), teacher=teacher,
                                                      entry_year=2026 - (grade - 1) % 6)
            readers.append(teacher)
            for s in range(STUDENTS_PER_CLASS):
                student_number = f"{2026 - (grade - 1) % 6}{n:02d}{s + 1:02d}"
                readers.append(Reader.objects.create(
                    card_number=f"{prefix}{student_number}", name=next(names), kind=Reader.Kind.STUDENT,
                    school_class=school_class, student_number=student_number, pin_hash=pin))
    return readers


def _term_of_loans(library: Library, admin, readers) -> int:
    """Each class borrows on its own weekday; most books come back in one to two weeks, a few late,
    a few are still out (some overdue); one is lost and charged; one class has a book corner."""
    from circulation.exceptions import NotFound, Refused
    from circulation.models import Loan
    from circulation.services import charges, corners, desk
    from circulation.services.calendar import SchoolCalendar
    from tenants.catalogue.models import Item

    rng = random.Random(library.code + "loans")
    calendar = SchoolCalendar()
    lendable = list(Item.objects.filter(reference_only=False, status="available", barcode__isnull=False)
                    .order_by("pk").values_list("barcode", flat=True))
    if not lendable:
        return 0
    # A class book corner first: a few books go to one class for the term.
    corner_class = next((r.school_class for r in readers if r.school_class_id), None)
    corner_books = lendable[:4] if len(lendable) > 12 else []
    if corner_class and corner_books:
        corners.lend_batch(corner_class, corner_books, due_on=dt.date(2027, 1, 8), actor=admin,
                           today=dt.date(2026, 9, 7), note="班级图书角")
    shelf = [b for b in lendable if b not in corner_books]
    students = [r for r in readers if r.kind == "student"]
    teachers = [r for r in readers if r.kind == "teacher"]
    planned: dict[str, tuple[int, dt.date, dt.date | None]] = {}  # barcode -> (loan, lent, back)
    made = 0
    day = TERM_START
    while day < TODAY:
        if calendar.is_open(day):
            for barcode, (loan_id, lent, back) in list(planned.items()):
                if back is not None and back <= day:
                    try:
                        desk.check_in(barcode, actor=admin, today=day)
                    except (Refused, NotFound):
                        pass
                    _backdate(loan_id, lent, day)
                    del planned[barcode]
            borrowing = [s for s in students if (s.school_class.grade + int(s.school_class.number)) % 5
                         == day.weekday() % 5]
            today_readers = rng.sample(borrowing, k=min(len(borrowing), 3))
            if teachers and rng.random() < 0.2:
                today_readers.append(rng.choice(teachers))
            for reader in today_readers:
                free = [b for b in shelf if b not in planned]
                if not free:
                    break
                barcode = rng.choice(free)
                try:
                    outcome = desk.check_out(reader.card_number, barcode, actor=admin, today=day)
                except (Refused, NotFound):
                    continue
                made += 1
                fate = rng.random()
                if fate < 0.08:
                    back = None  # still out: overdue by now
                elif fate < 0.2:
                    back = outcome.loan.due_on + dt.timedelta(days=rng.randint(2, 9))  # late
                else:
                    back = day + dt.timedelta(days=rng.randint(5, 13))
                if back is not None and back >= TODAY:
                    back = None
                planned[barcode] = (outcome.loan.pk, day, back)
        day += dt.timedelta(days=1)
    for _barcode, (loan_id, lent, _back) in planned.items():
        _backdate(loan_id, lent, None)
    # One book lost on the way home: closed as lost and charged by the library's policy.
    lost = Loan.objects.filter(status="open", reader__isnull=False).order_by("due_on").first()
    if lost is not None:
        charges.declare_lost(lost, actor=admin, note="lost by the reader")
    _stock_work(admin, shelf, planned)
    return made


def _stock_work(admin, shelf: list[str], planned) -> None:
    """A worn-out copy weeded into the withdrawal ledger, and a stocktake half scanned."""
    from circulation.services import ledgers, stocktake

    on_shelf = [b for b in shelf if b not in planned]
    if len(on_shelf) > 6:
        ledgers.withdraw([on_shelf[-1]], "worn", note="封面脱落，无法修补", actor=admin, today=dt.date(2026, 11, 20))
        session = stocktake.start("2026年秋季学期期末盘点", actor=admin)
        for barcode in on_shelf[: len(on_shelf) // 2]:
            stocktake.scan(session, barcode, shelf="A-01", actor=admin)
