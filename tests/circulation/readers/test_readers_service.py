"""The card file: suspension, leaving, PINs, promotion and graduation, export and erasure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.contrib.auth.hashers import check_password

from circulation.exceptions import Conflict, UserError
from circulation.models import Charge, DeskEvent, Loan, Reader, SchoolClass
from circulation.services import desk, readers


def test_suspension_needs_a_reason_and_reactivation_clears_it(in_library, make_reader):
    reader = make_reader()
    with pytest.raises(UserError) as excinfo:
        readers.set_status(reader, "suspended")
    assert excinfo.value.code == "reason_required"
    readers.set_status(reader, "suspended", reason="弄坏了书")
    reader.refresh_from_db()
    assert (reader.status, reader.suspended_reason) == ("suspended", "弄坏了书")
    readers.set_status(reader, "active")
    reader.refresh_from_db()
    assert (reader.status, reader.suspended_reason) == ("active", "")
    readers.set_status(reader, "left", left_on=dt.date(2026, 7, 1))
    reader.refresh_from_db()
    assert (reader.status, reader.left_on) == ("left", dt.date(2026, 7, 1))
    assert list(DeskEvent.objects.filter(action="reader").order_by("at", "id").values_list("code", flat=True)) == [
        "suspended", "active", "left"]


def test_a_pin_is_stored_as_a_hash(in_library, make_reader):
    reader = make_reader()
    with pytest.raises(UserError):
        readers.set_pin(reader, "12")
    readers.set_pin(reader, "2468")
    reader.refresh_from_db()
    assert reader.pin_hash != "2468" and check_password("2468", reader.pin_hash)


def test_a_duplicate_card_is_refused(in_library, make_reader):
    make_reader(card="C1")
    with pytest.raises(UserError):
        readers.create_reader(card_number="C1", name="又一个")


def test_a_student_cannot_lead_a_class(in_library, make_reader):
    with pytest.raises(UserError):
        readers.create_class(grade=1, number="1", teacher=make_reader(kind="student"))
    teacher = make_reader(kind="teacher")
    school_class = readers.create_class(grade=1, number="1", teacher=teacher)
    assert school_class.teacher == teacher


def test_searching_finds_names_cards_and_student_numbers(in_library, make_reader, make_class):
    three_two = make_class(grade=3, number="2")
    make_reader("张小红", card="A1", student_number="S1", school_class=three_two)
    make_reader("李明", card="A2", student_number="S2")
    assert [r.card_number for r in readers.search_readers(q="小红")] == ["A1"]
    assert [r.card_number for r in readers.search_readers(q="S2")] == ["A2"]
    assert [r.card_number for r in readers.search_readers(school_class=three_two.pk)] == ["A1"]
    assert [r.card_number for r in readers.search_readers(grade=3)] == ["A1"]


@pytest.fixture
def school(in_library, make_class, make_reader, make_items, term_day):
    """A primary school: grades 5 and 6, one student of grade 6 with a book still out."""
    five, six = make_class(grade=5, number="1"), make_class(grade=6, number="1")
    make_reader("五年级生", card="F1", school_class=five)
    leaver = make_reader("毕业生", card="G1", school_class=six)
    make_reader("也毕业", card="G2", school_class=six)
    item = make_items(1)[0]
    desk.check_out("G1", item.barcode, today=term_day)
    return five, six, leaver


def test_promotion_moves_classes_up_and_graduates_the_top_grade(school):
    five, six, leaver = school
    plan = readers.plan_promotion(6)
    assert [(c.pk, a, b) for c, a, b in plan.moves] == [(five.pk, 5, 6)]
    assert [c.pk for c in plan.graduating] == [six.pk]
    assert plan.leaving == 2 and [r.card_number for r in plan.leaving_with_loans] == ["G1"]
    assert SchoolClass.objects.get(pk=five.pk).grade == 5  # a plan changes nothing

    done = readers.promote(6, today=dt.date(2027, 7, 10))
    assert done.done and done.as_dict()["leaving_with_loans"][0]["card_number"] == "G1"
    assert SchoolClass.objects.get(pk=five.pk).grade == 6
    six.refresh_from_db()
    assert six.active is False and six.grade == 6
    assert set(Reader.objects.filter(status="left").values_list("card_number", flat=True)) == {"G1", "G2"}
    assert Reader.objects.get(card_number="G1").left_on == dt.date(2027, 7, 10)
    assert Reader.objects.get(card_number="F1").status == "active"
    assert Loan.objects.filter(reader=leaver, status="open").exists()  # the book is still chased


def test_promotion_never_collides_with_the_class_above(in_library, make_class):
    for grade in (1, 2, 3):
        make_class(grade=grade, number="1")
    readers.promote(6)
    assert sorted(SchoolClass.objects.filter(active=True).values_list("grade", flat=True)) == [2, 3, 4]


def test_export_holds_the_card_loans_and_charges(in_library, make_reader, make_items, term_day):
    reader = make_reader("张小红", card="S0001", student_number="2026")
    item = make_items(1, title="水浒传")[0]
    desk.check_out("S0001", item.barcode, today=term_day)
    Charge.objects.create(reader=reader, kind="damaged", amount="12.50", note="封面撕破")
    body, content_type, name = readers.export_reader(reader, as_="json")
    data = json.loads(body)
    assert content_type == "application/json" and name.endswith(".json")
    assert data["reader"]["name"] == "张小红" and data["reader"]["student_number"] == "2026"
    assert [loan["title"] for loan in data["loans"]] == ["水浒传"]
    assert data["charges"][0]["amount"] == "12.50"
    assert any(event["action"] == "check_out" for event in data["desk_events"])

    body, content_type, _name = readers.export_reader(reader, as_="csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["section", "record", "field", "value"]
    assert ["reader", str(reader.pk), "name", "张小红"] in rows
    assert any(r[0] == "loans" and r[2] == "barcode" and r[3] == item.barcode for r in rows)
    assert DeskEvent.objects.filter(action="reader", code="export", card_number="S0001").count() == 2


def test_erasure_is_refused_while_items_are_out_then_anonymises(in_library, make_reader, make_items, term_day):
    reader = make_reader("张小红", card="S0001", student_number="2026", email="x@example.org", user_id=4242)
    readers.set_pin(reader, "1234")
    item = make_items(1)[0]
    desk.check_out("S0001", item.barcode, today=term_day)
    with pytest.raises(Conflict) as excinfo:
        readers.erase_reader(reader)
    assert excinfo.value.code == "reader_has_open_items"
    desk.check_in(item.barcode, today=term_day)
    charge = Charge.objects.create(reader=reader, kind="other", amount="1.00")
    with pytest.raises(Conflict):
        readers.erase_reader(reader)
    Charge.objects.filter(pk=charge.pk).update(status="paid")

    readers.erase_reader(reader)
    reader.refresh_from_db()
    assert reader.name == "" and reader.student_number == "" and reader.email == "" and reader.pin_hash == ""
    assert reader.user_id is None and reader.card_number == f"erased-{reader.pk}" and reader.status == "left"
    assert Loan.objects.filter(reader=reader).count() == 1  # kept for the figures, without identity
    assert not DeskEvent.objects.filter(card_number="S0001").exists()
    assert not DeskEvent.objects.filter(message__contains="张小红").exists()
    assert DeskEvent.objects.filter(action="reader", code="erase").exists()
