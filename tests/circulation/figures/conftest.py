"""A small hand-made school whose figures are computed by hand in test_service.py.

Alpha (enrolment 10) in the term 2026-09-01..2027-01-15, with three classes, eight students, a
teacher, nine items held (one more withdrawn) and thirteen loans, two of them to a class corner
and two outside the term. The loans are opened and closed by the desk service's own ``lend`` and
``close_loan``; only their dates are then set to fixed days.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.models import Library

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


@pytest.fixture
def school(library, make_class, make_reader, make_items):
    from circulation.models import CalendarPeriod, CornerBatch, Loan
    from circulation.services.desk import close_loan, lend
    from tenants.catalogue.models import Item

    Library.objects.filter(pk=library.pk).update(student_count=10)
    library.student_count = 10
    c31, c32, c41 = make_class(3, "1"), make_class(3, "2"), make_class(4, "1")
    s = {n: make_reader(card=f"S{n}", school_class=cls) for n, cls in
         [(1, c31), (2, c31), (3, c31), (4, c32), (6, c41), (8, None)]}
    s[5] = make_reader(card="S5", school_class=c32, status="suspended")
    s[7] = make_reader(card="S7", school_class=c41, status="left")
    teacher = make_reader(card="T1", kind="teacher")
    a = make_items(3, title="Alpha book", acquired_on=dt.date(2026, 3, 1))
    b = make_items(2, title="Bravo book", acquired_on=dt.date(2027, 1, 5))
    c = make_items(2, title="Charlie book")  # no acquisition date: the day the item was made counts
    make_items(1, title="Delta book", acquired_on=dt.date(2027, 1, 2), status="withdrawn")
    e = make_items(2, title="Echo book", acquired_on=dt.date(2020, 1, 1))
    with tenant_context(library):
        Item.objects.filter(pk__in=[i.pk for i in c]).update(created_at=at(2027, 1, 10))
        term = CalendarPeriod.objects.create(kind="term", name="2026 autumn", starts_on=dt.date(2026, 9, 1),
                                             ends_on=dt.date(2027, 1, 15))
        CalendarPeriod.objects.create(kind="term", name="2026 spring", starts_on=dt.date(2026, 2, 20),
                                      ends_on=dt.date(2026, 7, 10))
        corner = CornerBatch.objects.create(school_class=c32, lent_on=dt.date(2026, 10, 20),
                                            due_on=dt.date(2026, 12, 20))

        def loan(item, when, *, reader=None, close=True):
            item = Item.objects.select_related("holdings__instance").get(pk=item.pk)  # its status now
            made = lend(item, reader=reader, corner=corner if reader is None else None, due_on=dt.date(2027, 3, 1))
            Loan.objects.filter(pk=made.pk).update(loaned_at=when)
            if close:
                close_loan(made)
            return made

        loans = [
            loan(a[0], at(2026, 9, 10), reader=s[1]),
            loan(a[0], at(2026, 10, 10), reader=s[1]),
            loan(a[1], at(2026, 9, 15), reader=s[2], close=False),
            loan(b[0], at(2026, 11, 1), reader=s[4]),
            loan(a[2], at(2026, 12, 1), reader=s[6], close=False),
            loan(b[1], at(2026, 9, 1, 0, 30), reader=s[8]),  # still the 31st of August in UTC
            loan(c[0], at(2026, 10, 1), reader=teacher),
            loan(e[0], at(2026, 10, 20), close=False),
            loan(e[1], at(2026, 10, 20), close=False),
            loan(c[1], at(2026, 8, 31, 23, 30), reader=s[3]),  # the evening before the term
            loan(c[1], at(2026, 9, 20), reader=s[5]),
            loan(a[0], at(2026, 11, 11), reader=s[7]),
            loan(b[0], at(2027, 1, 16), reader=s[1], close=False),  # the day after the term
        ]
    connection.set_schema_to_public()
    return {"library": library, "term": term, "classes": (c31, c32, c41), "students": s, "loans": loans,
            "titles": {"Alpha book": a, "Bravo book": b, "Charlie book": c, "Echo book": e}}
