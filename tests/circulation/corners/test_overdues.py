"""Overdue lists per class counted in open days, and reminders e-mailed to class teachers by the policy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django_tenants.utils import tenant_context

from circulation.models import CirculationPolicy, Loan
from circulation.services import corners, desk, overdues
from circulation.tasks import send_overdue_reminders_everywhere

DUE = dt.date(2026, 9, 29)  # a Tuesday just before the National Day holiday (1-7 October 2026)


def lend_due(card, item, due_on=DUE):
    """Lend ``item`` to ``card`` and set the due date the test needs."""
    loan = desk.check_out(card, item.barcode, today=due_on - dt.timedelta(days=14)).loan
    Loan.objects.filter(pk=loan.pk).update(due_on=due_on)
    return loan


@pytest.fixture
def pupils(in_library, class_3_2, make_class, make_reader, teacher):
    other = make_class(4, "1", teacher=make_reader("赵老师", kind="teacher", email="zhao@school.example"))
    return {
        "a": make_reader("甲", school_class=class_3_2, card="S1"),
        "b": make_reader("乙", school_class=class_3_2, card="S2"),
        "c": make_reader("丙", school_class=other, card="S3"),
        "classes": (class_3_2, other),
    }


def test_overdue_days_count_only_open_days_across_the_national_day_holiday(in_library, pupils, make_items):
    lend_due("S1", make_items(1)[0])
    # Open days after Tuesday 29 September: 30 September, then 8 and 9 October (1-7 closed).
    [group] = overdues.overdue_by_class(dt.date(2026, 10, 9))
    assert [line.overdue_days for line in group.lines] == [3]
    # Saturday 10 October 2026 is a make-up working day: it counts.
    [group] = overdues.overdue_by_class(dt.date(2026, 10, 10))
    assert group.lines[0].overdue_days == 4
    # During the holiday only 30 September has passed.
    [group] = overdues.overdue_by_class(dt.date(2026, 10, 5))
    assert group.lines[0].overdue_days == 1


def test_a_loan_due_before_a_closed_stretch_is_not_yet_overdue_in_it(in_library, pupils, make_items):
    lend_due("S1", make_items(1)[0], due_on=dt.date(2026, 9, 30))
    assert overdues.overdue_by_class(dt.date(2026, 10, 7)) == []


def test_loans_are_grouped_by_the_students_class_and_corners_under_their_class(in_library, pupils, make_items,
                                                                               make_reader):
    class_3_2, other = pupils["classes"]
    one, two, three, corner_item = make_items(4)
    lend_due("S1", one)
    lend_due("S2", two, due_on=dt.date(2026, 9, 25))
    lend_due("S3", three)
    make_reader("孙老师", kind="teacher", card="T9")
    lend_due("T9", make_items(1)[0])
    batch = corners.lend_batch(class_3_2, [corner_item.barcode], today=dt.date(2026, 9, 1)).batch
    Loan.objects.filter(corner=batch).update(due_on=DUE)
    groups = overdues.overdue_by_class(dt.date(2026, 10, 9))
    assert [g.school_class for g in groups] == [class_3_2, other, None]
    first = groups[0]
    assert [line.loan.item_id for line in first.lines][0] == two.pk  # the longest overdue first
    assert {line.loan.item_id for line in first.lines} == {one.pk, two.pk, corner_item.pk}
    assert [line.overdue_days for line in first.lines if line.loan.item_id == two.pk] == [5]
    assert [line.card_number for line in first.lines if line.loan.corner_id] == [""]
    only = overdues.overdue_by_class(dt.date(2026, 10, 9), school_class=other)
    assert [[line.loan.item_id for line in g.lines] for g in only] == [[three.pk]]


def test_a_class_is_emailed_once_then_not_again_until_the_policy_says(in_library, pupils, make_items, settings):
    settings.DEFAULT_FROM_EMAIL = "library@school.example"
    CirculationPolicy.objects.create(remind_after_days=2, remind_every_days=7)
    lend_due("S1", make_items(1)[0])
    lend_due("S2", make_items(1)[0], due_on=dt.date(2026, 10, 8))
    # 30 September is one open day late: not yet time for the first reminder.
    assert overdues.send_reminders(dt.date(2026, 10, 5)).sent == []
    assert mail.outbox == []
    report = overdues.send_reminders(dt.date(2026, 10, 9))  # S1's loan 3 open days late, S2's 1
    assert report.sent == [pupils["classes"][0].pk] and report.loans == 1
    [message] = mail.outbox
    assert message.to == ["li@school.example"] and message.from_email == "library@school.example"
    assert "S1" in message.body and "S2" not in message.body
    assert Loan.objects.filter(reader__card_number="S1", reminded_at__isnull=False).exists()
    assert not Loan.objects.filter(reader__card_number="S2", reminded_at__isnull=False).exists()
    # The next days: not again (S2's loan is now late enough, but the class was just reminded).
    for day in (dt.date(2026, 10, 12), dt.date(2026, 10, 15)):
        report = overdues.send_reminders(day)
        assert report.sent == [] and report.not_due == [pupils["classes"][0].pk]
    assert len(mail.outbox) == 1
    # A week after the first reminder: again, with both loans.
    assert overdues.send_reminders(dt.date(2026, 10, 16)).loans == 2
    assert len(mail.outbox) == 2 and "S2" in mail.outbox[1].body


def test_a_class_whose_teacher_has_no_address_is_not_emailed(in_library, pupils, make_items, teacher):
    teacher.email = ""
    teacher.save()
    lend_due("S1", make_items(1)[0])
    report = overdues.send_reminders(dt.date(2026, 10, 9))
    assert report.no_address == [pupils["classes"][0].pk] and mail.outbox == []
    assert not Loan.objects.filter(reminded_at__isnull=False).exists()


def _overdue_class_in(library, teacher_email, make_items_for):
    from circulation.models import Reader, SchoolClass
    from circulation.services.rules import install_default_rules

    with tenant_context(library):
        install_default_rules()
        teacher = Reader.objects.create(card_number="T1", name="老师", kind="teacher", email=teacher_email)
        school_class = SchoolClass.objects.create(grade=2, number="1", teacher=teacher)
        Reader.objects.create(card_number="S1", name="学生", school_class=school_class)
    item = make_items_for(library)
    with tenant_context(library):
        lend_due("S1", item)
    connection.set_schema_to_public()


@pytest.fixture
def items_in():
    from tests.builders import add_items, create_instance

    def make(library):
        instance = create_instance(library, title="水浒传")
        return add_items(library, instance, 1, barcode=f"{library.code}-1")[0]

    return make


def test_the_daily_task_reminds_every_library_and_one_failing_does_not_stop_the_others(
        library_a, library_b, items_in):
    _overdue_class_in(library_a, "a@school.example", items_in)
    _overdue_class_in(library_b, "b@school.example", items_in)
    reports = send_overdue_reminders_everywhere(dt.date(2026, 10, 9))
    assert sorted(m.to[0] for m in mail.outbox) == ["a@school.example", "b@school.example"]
    assert reports["alpha"]["loans"] == 1 and reports["beta"]["loans"] == 1
    # The next day nobody is e-mailed again.
    send_overdue_reminders_everywhere(dt.date(2026, 10, 12))
    assert len(mail.outbox) == 2
    # Alpha's schema breaks (its policy table is gone); beta is still reminded a week later.
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{library_a.schema_name}".circulation_circulationpolicy RENAME TO gone')
    reports = send_overdue_reminders_everywhere(dt.date(2026, 10, 19))
    assert "error" in reports["alpha"] and reports["beta"]["loans"] == 1
    assert [m.to[0] for m in mail.outbox[2:]] == ["b@school.example"]
