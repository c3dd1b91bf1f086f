"""Class book corners: one due date per batch, refusals per barcode, return, exchange and rotation."""

from __future__ import annotations

import datetime as dt

import pytest

from circulation.exceptions import Refused, UserError
from circulation.models import CalendarPeriod, CornerBatch, DeskEvent, Loan
from circulation.services import corners
from tenants.catalogue.models import Item, ItemStatus

NATIONAL_DAY = dt.date(2026, 10, 3)  # a Saturday in the 1-7 October 2026 holiday


def status_of(item) -> str:
    return Item.objects.get(pk=item.pk).status


def test_a_batch_goes_out_under_one_due_date_the_end_of_the_term(in_library, class_3_2, teacher, make_items,
                                                                  term_day, desk_staff):
    # The term ends on a Sunday: the batch is due the Friday before, the term's last open day.
    CalendarPeriod.objects.create(kind="term", name="2026秋", starts_on=dt.date(2026, 9, 1),
                                  ends_on=dt.date(2027, 1, 17))
    items = make_items(3)
    outcome = corners.lend_batch(class_3_2, [i.barcode for i in items], actor=desk_staff, today=term_day)
    assert outcome.refused == []
    batch = outcome.batch
    assert batch.due_on == dt.date(2027, 1, 15) and batch.teacher == teacher and batch.school_class == class_3_2
    loans = Loan.objects.filter(corner=batch)
    assert {loan.due_on for loan in loans} == {dt.date(2027, 1, 15)}
    assert loans.count() == 3 and not loans.filter(reader__isnull=False).exists()
    assert all(status_of(i) == ItemStatus.CHECKED_OUT for i in items)
    assert DeskEvent.objects.filter(action="corner", ok=True, code="lent").count() == 3


def test_outside_a_term_the_teachers_loan_period_applies(in_library, class_3_2, make_items, term_day):
    outcome = corners.lend_batch(class_3_2, [make_items(1)[0].barcode], today=term_day)
    assert outcome.batch.due_on == dt.date(2027, 1, 18)  # 60 days (teachers' day-one rule): a Sunday -> Monday


def test_a_due_date_on_a_closed_day_moves_to_the_next_open_day(in_library, class_3_2, make_items):
    outcome = corners.lend_batch(class_3_2, [make_items(1)[0].barcode], due_on=NATIONAL_DAY,
                                 today=dt.date(2026, 9, 15))
    assert outcome.batch.due_on == dt.date(2026, 10, 8)  # the holiday runs to Wednesday 7 October


def test_a_bad_barcode_or_a_book_that_cannot_go_stays_behind_and_the_others_go(in_library, class_3_2, make_items,
                                                                               make_reader, term_day):
    good, on_loan = make_items(2)
    reference = make_items(1, reference_only=True)[0]
    student = make_reader(card="S9")
    from circulation.services import desk
    desk.check_out("S9", on_loan.barcode, today=term_day)
    outcome = corners.lend_batch(class_3_2, [good.barcode, "NO-SUCH", reference.barcode, on_loan.barcode, good.barcode],
                                 today=term_day)
    assert [loan.item_id for loan in outcome.lent] == [good.pk]
    assert [(r.barcode, r.code) for r in outcome.refused] == [
        ("NO-SUCH", "item_unknown"), (reference.barcode, "reference_only"), (on_loan.barcode, "item_on_loan")]
    assert all(r.message for r in outcome.refused)
    assert status_of(reference) == ItemStatus.AVAILABLE
    assert Loan.objects.get(item=on_loan, status="open").reader == student
    assert DeskEvent.objects.filter(action="corner", ok=False).count() == 3


def test_when_nothing_can_go_no_batch_is_made(in_library, class_3_2, make_items, term_day):
    reference = make_items(1, reference_only=True)[0]
    outcome = corners.lend_batch(class_3_2, [reference.barcode], today=term_day)
    assert outcome.batch is None and outcome.refused[0].code == "reference_only"
    assert not CornerBatch.objects.exists()


def test_a_class_without_a_teacher_is_refused(in_library, make_class, make_items, term_day):
    school_class = make_class(4, "1")
    with pytest.raises(Refused) as excinfo:
        corners.lend_batch(school_class, [make_items(1)[0].barcode], today=term_day)
    assert excinfo.value.code == "no_teacher"


def test_items_in_a_corner_count_as_on_loan_to_the_class(in_library, class_3_2, make_class, make_items, term_day):
    items = make_items(2)
    batch = corners.lend_batch(class_3_2, [i.barcode for i in items], today=term_day).batch
    other = make_class(5, "1", teacher=class_3_2.teacher)
    assert {loan.item_id for loan in corners.open_corner_loans(class_3_2)} == {i.pk for i in items}
    assert not corners.open_corner_loans(other).exists()
    assert list(corners.open_batches(class_3_2)) == [batch]
    loan = Loan.objects.get(item=items[0], status="open")
    assert corners.class_of_loan(loan) == class_3_2


def test_single_items_and_then_the_whole_batch_come_back(in_library, class_3_2, make_items, term_day):
    items = make_items(3)
    batch = corners.lend_batch(class_3_2, [i.barcode for i in items], today=term_day).batch
    outcome = corners.return_items(batch, [items[0].barcode, "B9999999"], today=term_day)
    assert [loan.item_id for loan in outcome.returned] == [items[0].pk]
    assert [r.code for r in outcome.refused] == ["not_in_batch"]
    assert status_of(items[0]) == ItemStatus.AVAILABLE and status_of(items[1]) == ItemStatus.CHECKED_OUT
    assert CornerBatch.objects.get(pk=batch.pk).status == "open"
    corners.return_items(batch, today=term_day + dt.timedelta(days=1))
    batch.refresh_from_db()
    assert batch.status == "returned" and batch.returned_on == term_day + dt.timedelta(days=1)
    assert all(status_of(i) == ItemStatus.AVAILABLE for i in items)
    with pytest.raises(Refused) as excinfo:
        corners.return_items(batch, today=term_day)
    assert excinfo.value.code == "batch_returned"


def test_an_exchange_takes_some_back_and_adds_others_under_the_same_due_date(in_library, class_3_2, make_items,
                                                                           term_day):
    first, second, new = make_items(3)
    batch = corners.lend_batch(class_3_2, [first.barcode, second.barcode], today=term_day).batch
    outcome = corners.exchange(batch, returned=[first.barcode, second.barcode], added=[new.barcode],
                               today=term_day + dt.timedelta(days=7))
    assert len(outcome.returned) == 2 and [loan.item_id for loan in outcome.lent] == [new.pk]
    assert Loan.objects.get(item=new, status="open").due_on == batch.due_on
    batch.refresh_from_db()
    assert batch.status == "open"
    assert {loan.item_id for loan in corners.open_corner_loans(batch=batch)} == {new.pk}
    assert status_of(first) == ItemStatus.AVAILABLE and status_of(new) == ItemStatus.CHECKED_OUT


def test_a_batch_rotates_to_another_class_without_the_books_touching_the_shelf(
        in_library, class_3_2, make_class, make_reader, make_items, term_day):
    items = make_items(2)
    batch = corners.lend_batch(class_3_2, [i.barcode for i in items], today=term_day).batch
    other_teacher = make_reader("王老师", kind="teacher")
    other = make_class(3, "3", teacher=other_teacher)
    outcome = corners.rotate(batch, other, today=term_day + dt.timedelta(days=14))
    new = outcome.batch
    assert new.rotated_from == batch and new.school_class == other and new.teacher == other_teacher
    batch.refresh_from_db()
    assert batch.status == "returned"
    assert Loan.objects.filter(corner=batch, status="returned").count() == 2
    assert {loan.item_id for loan in corners.open_corner_loans(other)} == {i.pk for i in items}
    assert not corners.open_corner_loans(class_3_2).exists()
    assert all(status_of(i) == ItemStatus.CHECKED_OUT for i in items)
    from tenants.catalogue.models import ItemStatusChange
    # Out once to the first class; the rotation itself changed no status.
    assert ItemStatusChange.objects.filter(subject_id__in=[i.pk for i in items]).count() == 2
    with pytest.raises(UserError) as excinfo:
        corners.rotate(new, other, today=term_day)
    assert excinfo.value.code == "same_class"
