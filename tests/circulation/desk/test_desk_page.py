"""The desk page as a plain form (no JavaScript) and as htmx uses it: one scan field for all."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from circulation.models import DeskEvent, Loan
from tenants.catalogue.models import Item, ItemStatus

URL = "/lib/alpha/desk/"


@pytest.fixture
def page_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def outcome(response) -> str:
    found = re.search(r'id="desk-result"[^>]*data-outcome="([^"]*)"', response.content.decode())
    assert found, "no result panel"
    return found.group(1)


def hidden(response, name) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', response.content.decode()).group(1)


def test_the_empty_desk_has_its_scan_field_modes_and_no_result(library, desk_staff, page_for):
    response = page_for(desk_staff).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="desk-scan"' in html and "autofocus" in html
    assert outcome(response) == ""
    assert {m for m in re.findall(r'id="desk-mode-(\w+)"', html)} == {"checkout", "checkin", "renew"}
    assert 'circulation/desk.js' in html and 'vendor/htmx.min.js' in html


def test_card_then_items_then_a_refusal_then_check_in(library, desk_staff, make_reader, make_class, make_items,
                                                      page_for):
    make_reader("张小红", card="S0001", school_class=make_class(3, "2"))
    book, dictionary = make_items(1, title="草房子")[0], make_items(1, title="新华字典", reference_only=True)[0]
    client = page_for(desk_staff)

    scanned_item_first = client.post(URL, {"mode": "checkout", "card": "", "scan": book.barcode})
    assert outcome(scanned_item_first) == "card_first" and hidden(scanned_item_first, "card") == ""

    card = client.post(URL, {"mode": "checkout", "card": "", "scan": "S0001"})
    assert outcome(card) == "reader" and hidden(card, "card") == "S0001"
    assert 'id="desk-reader"' in card.content.decode() and "张小红" in card.content.decode()

    lent = client.post(URL, {"mode": "checkout", "card": "S0001", "scan": book.barcode})
    assert outcome(lent) == "ok" and hidden(lent, "card") == "S0001"
    assert f'data-barcode="{book.barcode}"' in lent.content.decode()  # now in the reader's loans

    refused = client.post(URL, {"mode": "checkout", "card": "S0001", "scan": dictionary.barcode})
    assert outcome(refused) == "reference_only" and 'class="desk-result refused"' in refused.content.decode()

    back = client.post(URL, {"mode": "checkin", "card": "", "scan": book.barcode})
    assert outcome(back) == "ok"
    with tenant_context(library):
        assert Item.objects.get(pk=book.pk).status == ItemStatus.AVAILABLE
        assert Loan.objects.get().status == Loan.Status.RETURNED
        assert list(DeskEvent.objects.order_by("at", "id").values_list("action", "code")) == [
            ("check_out", "ok"), ("check_out", "reference_only"), ("check_in", "ok")]
    # this session's actions, newest first, each with its outcome
    assert re.findall(r'<li data-outcome="(\w+)"', back.content.decode()) == ["ok", "reference_only", "ok"]


def test_clearing_the_reader_and_switching_reader_by_scanning_a_card(library, desk_staff, make_reader, page_for):
    make_reader("甲", card="S0001")
    make_reader("乙", card="S0002")
    client = page_for(desk_staff)
    other = client.post(URL, {"mode": "checkout", "card": "S0001", "scan": "S0002"})
    assert outcome(other) == "reader" and hidden(other, "card") == "S0002"
    cleared = client.post(URL, {"mode": "checkout", "card": "S0002", "scan": "", "clear": "1"})
    assert hidden(cleared, "card") == "" and 'id="desk-reader"' not in cleared.content.decode()


def test_htmx_gets_the_state_panel_alone(library, desk_staff, make_reader, make_items, page_for):
    make_reader("张小红", card="S0001")
    item = make_items(1)[0]
    response = page_for(desk_staff).post(URL, {"mode": "renew", "card": "", "scan": item.barcode},
                                         HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="desk-state"') and "<html" not in html
    assert outcome(response) == "not_on_loan"


def test_renew_and_unknown_barcodes_on_the_page(library, desk_staff, make_reader, make_items, page_for):
    make_reader("张小红", card="S0001")
    item = make_items(1)[0]
    client = page_for(desk_staff)
    client.post(URL, {"mode": "checkout", "card": "S0001", "scan": item.barcode})
    assert outcome(client.post(URL, {"mode": "renew", "scan": item.barcode})) == "ok"
    assert outcome(client.post(URL, {"mode": "renew", "scan": item.barcode})) == "renewal_limit"
    assert outcome(client.post(URL, {"mode": "checkin", "scan": "NOTHING"})) == "item_unknown"
    assert outcome(client.post(URL, {"mode": "checkout", "card": "", "scan": "NOBODY"})) == "reader_unknown"


def test_a_helper_works_the_page_and_signs_with_their_name(library, helper, make_reader, make_items, page_for):
    make_reader("张小红", card="S0001")
    item = make_items(1)[0]
    client = page_for(helper)
    assert client.get(URL).status_code == 200
    assert outcome(client.post(URL, {"mode": "checkout", "card": "S0001", "scan": item.barcode})) == "ok"
    assert outcome(client.post(URL, {"mode": "checkin", "scan": item.barcode})) == "ok"
    with tenant_context(library):
        assert set(DeskEvent.objects.values_list("actor_name", "actor_role")) == {("小明 王", "desk_helper")}


def test_staff_pages_list_open_loans_and_the_desk_log(library, desk_staff, helper, make_reader, make_class,
                                                      make_items, page_for):
    import datetime as dt

    from django.utils import timezone

    from circulation.services import desk

    three_two = make_class(3, "2")
    make_reader("张小红", card="S0001", school_class=three_two)
    make_reader("李四", card="S0002")
    late, current = make_items(2)
    with tenant_context(library):
        desk.check_out("S0001", late.barcode, today=timezone.localdate() - dt.timedelta(days=60))
        desk.check_out("S0002", current.barcode, actor=helper, role="desk_helper")
    client = page_for(desk_staff)

    def rows(url, attribute):
        response = client.get(url)
        assert response.status_code == 200
        return re.findall(rf'<tr {attribute}="([^"]*)"', response.content.decode())

    assert sorted(rows("/lib/alpha/loans/", "data-barcode")) == sorted([late.barcode, current.barcode])
    assert rows("/lib/alpha/loans/?overdue=true", "data-barcode") == [late.barcode]
    assert rows(f"/lib/alpha/loans/?school_class={three_two.pk}", "data-barcode") == [late.barcode]
    assert rows("/lib/alpha/loans/?card=S0002", "data-barcode") == [current.barcode]
    assert 'class="overdue"' in client.get("/lib/alpha/loans/?overdue=true").content.decode()
    log = client.get("/lib/alpha/desk/log/?actor=小明").content.decode()
    assert re.findall(r'data-role="(\w+)">([^<]*)<', log) == [("desk_helper", "小明 王")]
    # a helper works the desk, not these pages; the desk page links them for staff only
    assert page_for(helper).get("/lib/alpha/loans/").status_code == 403
    assert page_for(helper).get("/lib/alpha/desk/log/").status_code == 403
    assert 'id="desk-link-log"' not in page_for(helper).get(URL).content.decode()
    assert 'id="desk-link-log"' in client.get(URL).content.decode()


def test_a_scan_with_a_nul_character_is_an_unknown_item(library, desk_staff, page_for):
    response = page_for(desk_staff).post(URL, {"mode": "checkin", "scan": "B\x00X"})
    assert response.status_code == 200 and outcome(response) == "item_unknown"
    with tenant_context(library):
        assert DeskEvent.objects.get().item_barcode == "BX"
