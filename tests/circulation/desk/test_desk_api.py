"""The desk API: each outcome and each refusal, the reader summary, the loans list and the desk log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from circulation.models import Charge, DeskEvent, Loan, Reader
from circulation.services import desk
from tenants.catalogue.models import Item, ItemStatus

LONG_AGO = 60  # days: a loan made then is overdue today


def lend_long_ago(library, card, barcode):
    with tenant_context(library):
        return desk.check_out(card, barcode, today=timezone.localdate() - dt.timedelta(days=LONG_AGO)).loan


def status_of(library, item) -> str:
    with tenant_context(library):
        return Item.objects.get(pk=item.pk).status


def test_checkout_lends_and_answers_with_the_loan(library, student, make_items, desk_staff, client_for, desk_url,
                                                  inside):
    item = make_items(1, title="草房子")[0]
    response = client_for(desk_staff).post(desk_url("desk/checkout/"), {"card": "S0001", "barcode": item.barcode},
                                           format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == "ok" and body["message"]
    assert body["barcode"] == item.barcode and body["title"] == "草房子"
    loan = body["loan"]
    assert (loan["card"], loan["reader_name"], loan["barcode"]) == ("S0001", "张小红", item.barcode)
    assert loan["rule"]["reader_kind"] == "student" and loan["rule"]["loan_days"] == 14
    assert body["rule_explanation"] and loan["rule_explanation"] == body["rule_explanation"]
    assert loan["status"] == "open" and loan["overdue"] is False
    with inside():
        stored = Loan.objects.get()
        assert loan["due_on"] == stored.due_on.isoformat() and stored.due_on >= timezone.localdate()
        assert Item.objects.get(pk=item.pk).status == ItemStatus.CHECKED_OUT
        event = DeskEvent.objects.get()
        assert (event.action, event.ok, event.card_number, event.actor_role) == ("check_out", True, "S0001",
                                                                                 "circulation")


def test_checkin_returns_and_counts_open_days_late(library, student, make_items, desk_staff, client_for, desk_url,
                                                   inside):
    on_time, late = make_items(2)
    with inside():
        desk.check_out("S0001", on_time.barcode)
    client = client_for(desk_staff)
    body = client.post(desk_url("desk/checkin/"), {"barcode": on_time.barcode}, format="json").json()
    assert body["code"] == "ok" and body["overdue_days"] == 0 and body["loan"]["status"] == "returned"
    assert status_of(library, on_time) == ItemStatus.AVAILABLE

    lent = lend_long_ago(library, "S0001", late.barcode)
    response = client.post(desk_url("desk/checkin/"), {"barcode": late.barcode}, format="json")
    assert response.status_code == 200
    body = response.json()
    with inside():
        expected = desk.SchoolCalendar().overdue_days(lent.due_on, timezone.localdate())
    assert expected > 0 and body["code"] == "late" and body["overdue_days"] == expected
    assert body["loan"]["overdue_days"] == expected and body["loan"]["card"] == "S0001"


def test_checkin_of_an_item_that_was_missing_puts_it_back(library, make_items, desk_staff, client_for, desk_url):
    item = make_items(1)[0]
    with tenant_context(library):
        Item.objects.filter(pk=item.pk).update(status=ItemStatus.MISSING)
    response = client_for(desk_staff).post(desk_url("desk/checkin/"), {"barcode": item.barcode}, format="json")
    assert response.status_code == 200
    assert response.json()["code"] == "found" and response.json()["loan"] is None
    assert response.json()["barcode"] == item.barcode
    assert status_of(library, item) == ItemStatus.AVAILABLE


def test_renew_extends_the_loan(library, student, make_items, desk_staff, client_for, desk_url):
    item = make_items(1)[0]
    lend_long_ago(library, "S0001", item.barcode)
    with tenant_context(library):
        Loan.objects.update(due_on=timezone.localdate() + dt.timedelta(days=1))
    response = client_for(desk_staff).post(desk_url("desk/renew/"), {"barcode": item.barcode}, format="json")
    assert response.status_code == 200, response.content
    loan = response.json()["loan"]
    assert loan["renewals"] == 1 and dt.date.fromisoformat(loan["due_on"]) >= timezone.localdate() + dt.timedelta(14)


# --- Refusals: each with its code, status and a logged event ----------------------------------

def _reference(library, make_items, make_reader):
    return "checkout", {"card": "S0001", "barcode": make_items(1, reference_only=True)[0].barcode}


def _over_limit(library, make_items, make_reader):
    first, second, third = make_items(3)
    with tenant_context(library):
        desk.check_out("S0001", first.barcode)
        desk.check_out("S0001", second.barcode)
    return "checkout", {"card": "S0001", "barcode": third.barcode}


def _overdue(library, make_items, make_reader):
    late, wanted = make_items(2)
    lend_long_ago(library, "S0001", late.barcode)
    return "checkout", {"card": "S0001", "barcode": wanted.barcode}


def _suspended(library, make_items, make_reader):
    with tenant_context(library):
        Reader.objects.filter(card_number="S0001").update(status=Reader.Status.SUSPENDED)
    return "checkout", {"card": "S0001", "barcode": make_items(1)[0].barcode}


def _on_loan(library, make_items, make_reader):
    item = make_items(1)[0]
    other = make_reader("李四", card="S0002")
    with tenant_context(library):
        desk.check_out(other.card_number, item.barcode)
    return "checkout", {"card": "S0001", "barcode": item.barcode}


def _unavailable(library, make_items, make_reader):
    item = make_items(1)[0]
    with tenant_context(library):
        Item.objects.filter(pk=item.pk).update(status=ItemStatus.DAMAGED)
    return "checkout", {"card": "S0001", "barcode": item.barcode}


def _check_in_on_shelf(library, make_items, make_reader):
    return "checkin", {"barcode": make_items(1)[0].barcode}


def _renew_on_shelf(library, make_items, make_reader):
    return "renew", {"barcode": make_items(1)[0].barcode}


def _renewal_limit(library, make_items, make_reader):
    item = make_items(1)[0]
    with tenant_context(library):
        desk.check_out("S0001", item.barcode)
        desk.renew(item.barcode)
    return "renew", {"barcode": item.barcode}


def _unknown_reader(library, make_items, make_reader):
    return "checkout", {"card": "NO-SUCH-CARD", "barcode": make_items(1)[0].barcode}


def _unknown_item(library, make_items, make_reader):
    return "checkout", {"card": "S0001", "barcode": "NO-SUCH-ITEM"}


def _unknown_item_at_checkin(library, make_items, make_reader):
    return "checkin", {"barcode": "NO-SUCH-ITEM"}


REFUSALS = [
    (_reference, 409, "reference_only"),
    (_over_limit, 409, "over_limit"),
    (_overdue, 409, "overdue_items"),
    (_suspended, 409, "card_inactive"),
    (_on_loan, 409, "item_on_loan"),
    (_unavailable, 409, "item_unavailable"),
    (_check_in_on_shelf, 409, "not_on_loan"),
    (_renew_on_shelf, 409, "not_on_loan"),
    (_renewal_limit, 409, "renewal_limit"),
    (_unknown_reader, 404, "reader_unknown"),
    (_unknown_item, 404, "item_unknown"),
    (_unknown_item_at_checkin, 404, "item_unknown"),
]


@pytest.mark.parametrize(("setup", "status", "code"), REFUSALS, ids=[f"{c}-{s.__name__}" for s, _st, c in REFUSALS])
def test_each_refusal_has_its_status_code_and_reason(library, student, make_items, make_reader, desk_staff,
                                                     client_for, desk_url, inside, setup, status, code):
    action, payload = setup(library, make_items, make_reader)
    with inside():
        loans_before = Loan.objects.filter(status="open").count()
        statuses_before = dict(Item.objects.values_list("pk", "status"))
    response = client_for(desk_staff).post(desk_url(f"desk/{action}/"), payload, format="json",
                                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    with inside():
        assert Loan.objects.filter(status="open").count() == loans_before
        assert dict(Item.objects.values_list("pk", "status")) == statuses_before
        refused = DeskEvent.objects.filter(ok=False).get()
        assert refused.code == code and refused.actor_name == "desk_a" and refused.message == body["detail"]


def test_a_refusal_is_explained_in_the_users_language(library, student, make_items, desk_staff, client_for,
                                                      desk_url):
    item = make_items(1, title="新华字典", reference_only=True)[0]
    response = client_for(desk_staff).post(desk_url("desk/checkout/"), {"card": "S0001", "barcode": item.barcode},
                                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    detail = response.json()["detail"]
    assert "新华字典" in detail and "reference" in detail  # English was asked for: the msgid itself


def test_bad_input_is_a_400_naming_the_field(library, desk_staff, client_for, desk_url):
    response = client_for(desk_staff).post(desk_url("desk/checkout/"), {"barcode": "X"}, format="json")
    assert response.status_code == 400 and "card" in response.json()


# --- What the desk reads -------------------------------------------------------------------

def test_the_reader_summary_shows_class_loans_overdue_and_charges(library, student, make_items, desk_staff,
                                                                  client_for, desk_url):
    late, current = make_items(2)
    lend_long_ago(library, "S0001", late.barcode)
    with tenant_context(library):
        Loan.objects.filter(item_id=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=30))
        desk.lend(Item.objects.get(pk=current.pk), reader=Reader.objects.get(card_number="S0001"),
                  due_on=timezone.localdate() + dt.timedelta(days=10))
        Charge.objects.create(reader=student, kind=Charge.Kind.DAMAGED, amount="12.50")
        Charge.objects.create(reader=student, kind=Charge.Kind.LOST, amount="30.00", status=Charge.Status.PAID)
    response = client_for(desk_staff).get(desk_url("desk/reader/S0001/"))
    assert response.status_code == 200
    body = response.json()
    assert (body["card"], body["name"], body["status"], body["grade"]) == ("S0001", "张小红", "active", 3)
    assert body["school_class"]
    assert [(loan["barcode"], loan["overdue"]) for loan in body["loans"]] == [(late.barcode, True),
                                                                               (current.barcode, False)]
    assert body["loans"][0]["overdue_days"] > 0 and body["loans"][1]["overdue_days"] == 0
    assert body["overdue_count"] == 1 and body["open_charges"] == 1
    unknown = client_for(desk_staff).get(desk_url("desk/reader/NOPE/"))
    assert unknown.status_code == 404 and unknown.json()["code"] == "reader_unknown"


def test_the_loans_list_filters_overdue_class_and_reader(library, student, make_reader, make_class, make_items,
                                                         desk_staff, client_for, desk_url):
    other_class = make_class(4, "1")
    other = make_reader("李四", card="S0002", school_class=other_class)
    late, current, others = make_items(3)
    lend_long_ago(library, "S0001", late.barcode)
    with tenant_context(library):
        desk.check_out("S0002", others.barcode)
        Loan.objects.filter(item_id=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=20))
        desk.lend(Item.objects.get(pk=current.pk), reader=Reader.objects.get(card_number="S0001"),
                  due_on=timezone.localdate() + dt.timedelta(days=5))
        desk.check_in(others.barcode)
        desk.check_out("S0002", others.barcode)
    client = client_for(desk_staff)

    def barcodes(**query):
        response = client.get(desk_url("loans/"), query)
        assert response.status_code == 200, response.content
        return [loan["barcode"] for loan in response.json()["results"]]

    assert sorted(barcodes()) == sorted([late.barcode, current.barcode, others.barcode])
    assert barcodes(overdue="true") == [late.barcode]
    assert sorted(barcodes(overdue="false")) == sorted([current.barcode, others.barcode])
    assert barcodes(school_class=other_class.pk) == [others.barcode]
    assert sorted(barcodes(card="S0001")) == sorted([late.barcode, current.barcode])
    late_row = client.get(desk_url("loans/"), {"overdue": "true"}).json()["results"][0]
    assert late_row["overdue"] is True and late_row["overdue_days"] > 0 and late_row["reader_name"] == "张小红"
    assert client.get(desk_url("loans/"), {"overdue": "perhaps"}).status_code == 400
    assert other.pk


def test_the_desk_log_says_who_did_what(library, student, make_items, desk_staff, helper, client_for, desk_url):
    item = make_items(1)[0]
    client_for(helper).post(desk_url("desk/checkout/"), {"card": "S0001", "barcode": item.barcode}, format="json")
    client_for(desk_staff).post(desk_url("desk/checkin/"), {"barcode": item.barcode}, format="json")
    client_for(helper).post(desk_url("desk/checkin/"), {"barcode": item.barcode}, format="json")  # refused
    response = client_for(desk_staff).get(desk_url("desk/events/"))
    assert response.status_code == 200
    rows = [(e["action"], e["ok"], e["code"], e["actor_name"], e["actor_role"]) for e in response.json()["results"]]
    assert rows == [
        ("check_in", False, "not_on_loan", "小明 王", "desk_helper"),
        ("check_in", True, "ok", "desk_a", "circulation"),
        ("check_out", True, "ok", "小明 王", "desk_helper"),
    ]
    refusals = client_for(desk_staff).get(desk_url("desk/events/"), {"ok": "false"}).json()["results"]
    assert [e["code"] for e in refusals] == ["not_on_loan"]
    by_helper = client_for(desk_staff).get(desk_url("desk/events/"), {"actor": "小明"}).json()["results"]
    assert len(by_helper) == 2


def test_hostile_scans_are_unknown_codes_not_errors(library, student, desk_staff, client_for, desk_url):
    client = client_for(desk_staff)
    assert client.get(desk_url("desk/reader/NO%00PE/")).json()["code"] == "reader_unknown"
    assert client.post(desk_url("desk/checkout/"), {"card": "S0001", "barcode": "B\x00"},
                       format="json").status_code == 400
    assert client.get(desk_url("loans/"), {"card": "S\x00"}).status_code == 200
    assert client.get(desk_url("desk/events/"), {"actor": "\x00"}).status_code == 200
