"""The desk service: every refusal explained, the rule and the calendar applied, item status moved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from circulation.exceptions import NotFound, Refused
from circulation.models import CirculationPolicy, DeskEvent, Loan, Reader
from circulation.services import desk
from tenants.catalogue.models import Item, ItemStatus


@pytest.fixture
def student(make_reader):
    return make_reader("张小红", card="S0001")


def refusal(excinfo) -> str:
    return excinfo.value.code


def test_it_lends_for_the_rule_period_and_moves_the_item(in_library, student, make_items, desk_staff, term_day):
    item = make_items(1)[0]
    outcome = desk.check_out("S0001", item.barcode, actor=desk_staff, today=term_day)
    assert outcome.loan.due_on == dt.date(2026, 12, 2)  # students: 14 days, a Wednesday
    assert Item.objects.get(pk=item.pk).status == ItemStatus.CHECKED_OUT
    assert outcome.loan.rule["loan_days"] == 14 and outcome.loan.rule["reader_kind"] == "student"
    with translation.override("en"):
        assert "14 days" in outcome.rule.explain()
    assert DeskEvent.objects.filter(ok=True, action="check_out", card_number="S0001").count() == 1


def test_it_refuses_a_reference_book(in_library, student, make_items, term_day):
    item = make_items(1, reference_only=True)[0]
    with translation.override("en"), pytest.raises(Refused) as excinfo:
        desk.check_out("S0001", item.barcode, today=term_day)
    assert refusal(excinfo) == "reference_only" and "reference" in excinfo.value.message.lower()
    assert DeskEvent.objects.get().code == "reference_only"
    assert not Loan.objects.exists()


def test_it_refuses_over_the_limit(in_library, student, make_items, term_day):
    first, second, third = make_items(3)
    desk.check_out("S0001", first.barcode, today=term_day)
    desk.check_out("S0001", second.barcode, today=term_day)
    with pytest.raises(Refused) as excinfo:
        desk.check_out("S0001", third.barcode, today=term_day)
    assert refusal(excinfo) == "over_limit"
    assert Item.objects.get(pk=third.pk).status == ItemStatus.AVAILABLE


def test_it_refuses_a_reader_with_overdue_items(in_library, student, make_items, term_day):
    late, wanted = make_items(2)
    desk.check_out("S0001", late.barcode, today=term_day - dt.timedelta(days=40))
    with pytest.raises(Refused) as excinfo:
        desk.check_out("S0001", wanted.barcode, today=term_day)
    assert refusal(excinfo) == "overdue_items"
    CirculationPolicy.objects.update(block_when_overdue=False)
    assert desk.check_out("S0001", wanted.barcode, today=term_day).loan


@pytest.mark.parametrize("status", [Reader.Status.SUSPENDED, Reader.Status.LEFT])
def test_it_refuses_an_inactive_card(in_library, student, make_items, term_day, status):
    Reader.objects.filter(pk=student.pk).update(status=status)
    with pytest.raises(Refused) as excinfo:
        desk.check_out("S0001", make_items(1)[0].barcode, today=term_day)
    assert refusal(excinfo) == "card_inactive"


def test_it_refuses_an_item_already_on_loan_or_not_on_the_shelf(in_library, student, make_reader, make_items,
                                                                 term_day):
    other = make_reader("李四", card="S0002")
    lent, missing = make_items(2)
    desk.check_out(other.card_number, lent.barcode, today=term_day)
    with pytest.raises(Refused) as excinfo:
        desk.check_out("S0001", lent.barcode, today=term_day)
    assert refusal(excinfo) == "item_on_loan"
    Item.objects.filter(pk=missing.pk).update(status=ItemStatus.MISSING)
    with pytest.raises(Refused) as excinfo:
        desk.check_out("S0001", missing.barcode, today=term_day)
    assert refusal(excinfo) == "item_unavailable"


def test_unknown_card_and_barcode_are_named(in_library, student, make_items, term_day):
    with pytest.raises(NotFound) as excinfo:
        desk.check_out("NOPE", make_items(1)[0].barcode, today=term_day)
    assert refusal(excinfo) == "reader_unknown" and "NOPE" in excinfo.value.message
    with pytest.raises(NotFound) as excinfo:
        desk.check_out("S0001", "NO-SUCH", today=term_day)
    assert refusal(excinfo) == "item_unknown"


def test_check_in_counts_only_open_days_late(in_library, student, make_items):
    item = make_items(1)[0]
    outcome = desk.check_out("S0001", item.barcode, today=dt.date(2026, 9, 14))
    assert outcome.loan.due_on == dt.date(2026, 9, 28)  # a Monday
    # Returned on 9 October 2026: 29-30 September are open, 1-7 October the National Day holiday,
    # 8 and 9 October open again: four open days late.
    back = desk.check_in(item.barcode, today=dt.date(2026, 10, 9))
    assert back.overdue_days == 4 and back.code == "late"
    assert Item.objects.get(pk=item.pk).status == ItemStatus.AVAILABLE
    assert Loan.objects.get().status == Loan.Status.RETURNED
    with pytest.raises(Refused) as excinfo:
        desk.check_in(item.barcode)
    assert refusal(excinfo) == "not_on_loan"


def test_renewal_extends_by_the_rule_until_the_limit(in_library, student, make_items, term_day):
    item = make_items(1)[0]
    desk.check_out("S0001", item.barcode, today=term_day)
    renewed = desk.renew(item.barcode, today=term_day + dt.timedelta(days=7))
    assert renewed.loan.renewals == 1 and renewed.loan.due_on == dt.date(2026, 12, 9)
    with pytest.raises(Refused) as excinfo:
        desk.renew(item.barcode, today=term_day + dt.timedelta(days=8))
    assert refusal(excinfo) == "renewal_limit"


def test_a_helper_signs_every_action_by_name(in_library, student, make_items, helper, term_day):
    item = make_items(1)[0]
    desk.check_out("S0001", item.barcode, actor=helper, role="desk_helper", today=term_day)
    desk.check_in(item.barcode, actor=helper, role="desk_helper", today=term_day)
    names = set(DeskEvent.objects.values_list("actor_name", flat=True))
    assert names == {"小明 王"}
