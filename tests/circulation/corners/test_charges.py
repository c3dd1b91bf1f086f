"""The charges ledger: amounts under each loss policy (hand-computed), payment, waiver, replacement."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from circulation.exceptions import Refused, UserError
from circulation.models import Charge, CirculationPolicy, DeskEvent, Loan
from circulation.services import charges, corners, desk
from tenants.catalogue.models import Item, ItemStatus


@pytest.fixture
def student(in_library, class_3_2, make_reader):
    return make_reader("张三", school_class=class_3_2, card="S1")


def lent(make_items, term_day, price=None):
    item = make_items(1, price=price)[0]
    return desk.check_out("S1", item.barcode, today=term_day).loan


def policy(**fields) -> CirculationPolicy:
    return CirculationPolicy.objects.create(**fields)


def test_a_lost_item_costs_its_price(student, make_items, term_day, desk_staff):
    policy(loss_policy="price")
    loan = lent(make_items, term_day, price=Decimal("25.50"))
    charge = charges.declare_lost(loan, actor=desk_staff)
    assert (charge.amount, charge.kind, charge.policy, charge.status) == (Decimal("25.50"), "lost", "price", "open")
    assert charge.reader == student and charge.school_class is None
    assert Loan.objects.get(pk=loan.pk).status == "lost"
    assert Item.objects.get(pk=loan.item_id).status == ItemStatus.LOST
    event = DeskEvent.objects.get(action="charge")
    assert event.code == "lost" and event.card_number == "S1" and event.actor_id == desk_staff.pk


def test_an_item_without_a_price_costs_the_policy_default(student, make_items, term_day):
    policy(loss_policy="price", default_price=Decimal("18.00"))
    assert charges.declare_lost(lent(make_items, term_day)).amount == Decimal("18.00")


def test_the_factor_policy_multiplies_and_rounds_half_up_to_the_cent(student, make_items, term_day):
    policy(loss_policy="factor", loss_factor=Decimal("1.50"))
    # 12.35 x 1.50 = 18.525 -> 18.53
    assert charges.declare_lost(lent(make_items, term_day, price=Decimal("12.35"))).amount == Decimal("18.53")


def test_damage_costs_a_share_of_the_price_and_the_item_comes_back_damaged(student, make_items, term_day):
    policy(damage_share=Decimal("0.50"))
    loan = lent(make_items, term_day, price=Decimal("19.99"))
    charge = charges.charge_item(loan.item.barcode, "damaged")
    assert charge.amount == Decimal("10.00") and charge.kind == "damaged"  # 9.995 -> 10.00
    assert Loan.objects.get(pk=loan.pk).status == "returned"
    assert Item.objects.get(pk=loan.item_id).status == ItemStatus.DAMAGED


def test_the_replacement_policy_owes_a_copy_until_it_is_received(student, make_items, term_day, desk_staff):
    policy(loss_policy="replacement")
    charge = charges.declare_lost(lent(make_items, term_day, price=Decimal("40.00")))
    assert charge.amount == Decimal("0.00") and charge.status == "open" and charge.policy == "replacement"
    with pytest.raises(Refused) as excinfo:
        charges.pay(charge)
    assert excinfo.value.code == "replacement_owed"
    charges.replacement_received(charge, actor=desk_staff, note="new copy B77")
    charge.refresh_from_db()
    assert charge.status == "replaced" and charge.settled_by and charge.settled_at and charge.note == "new copy B77"


def test_a_corner_loan_is_charged_to_the_class(in_library, class_3_2, make_items, term_day):
    policy(loss_policy="price")
    item = make_items(1, price=Decimal("15.00"))[0]
    corners.lend_batch(class_3_2, [item.barcode], today=term_day)
    charge = charges.charge_item(item.barcode, "lost")
    assert charge.school_class == class_3_2 and charge.reader is None and charge.amount == Decimal("15.00")


def test_payment_and_waiver_settle_a_charge_once(student, make_items, term_day, desk_staff):
    policy(loss_policy="price")
    paid = charges.declare_lost(lent(make_items, term_day, price=Decimal("10.00")))
    waived = charges.declare_lost(lent(make_items, term_day, price=Decimal("7.00")))
    charges.pay(paid, actor=desk_staff)
    paid.refresh_from_db()
    assert paid.status == "paid" and paid.settled_at is not None and paid.settled_by == desk_staff.username
    with pytest.raises(Refused) as excinfo:
        charges.waive(paid, reason="家庭困难")
    assert excinfo.value.code == "already_settled"
    with pytest.raises(UserError) as excinfo:
        charges.waive(waived, reason="  ")
    assert excinfo.value.code == "reason_required"
    charges.waive(waived, reason="家庭困难", actor=desk_staff)
    waived.refresh_from_db()
    assert waived.status == "waived" and waived.note == "家庭困难"
    assert list(DeskEvent.objects.filter(action="charge").order_by("id").values_list("code", flat=True)) == [
        "lost", "lost", "paid", "waived"]


def test_an_item_not_on_loan_cannot_be_charged(in_library, make_items):
    item = make_items(1)[0]
    with pytest.raises(Refused) as excinfo:
        charges.charge_item(item.barcode, "lost")
    assert excinfo.value.code == "not_on_loan"
    assert not Charge.objects.exists()


def test_the_ledger_totals_each_status_and_exports_csv(student, make_items, term_day):
    policy(loss_policy="price")
    a, b, c = (charges.declare_lost(lent(make_items, term_day, price=Decimal(p))) for p in ("10.00", "2.50", "3.25"))
    charges.pay(a)
    charges.waive(b, reason="x")
    totals = charges.totals(charges.ledger())
    assert totals.counts == {"open": 1, "paid": 1, "replaced": 0, "waived": 1}
    assert totals.amounts["open"] == Decimal("3.25") and totals.amounts["paid"] == Decimal("10.00")
    assert totals.amounts["waived"] == Decimal("2.50") and totals.amounts["replaced"] == Decimal("0.00")
    assert [ch.pk for ch in charges.ledger(status="open")] == [c.pk]
    rows = list(csv.reader(io.StringIO(charges.ledger_csv(charges.ledger().order_by("pk")))))
    assert len(rows) == 4
    assert [row[0] for row in rows[1:]] == [str(a.pk), str(b.pk), str(c.pk)]
    assert [row[5] for row in rows[1:]] == ["10.00", "2.50", "3.25"]
    assert rows[1][8] == "S1" and rows[1][6] == a.item.barcode


def test_csv_cells_that_look_like_formulas_are_quoted():
    assert charges._cell("=SUM(A1)") == "'=SUM(A1)" and charges._cell("张三") == "张三"
