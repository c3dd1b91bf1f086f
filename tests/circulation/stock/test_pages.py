"""The stock pages: the scanner built for keyboard-wedge scanners, the report, weeding, ledgers, settings."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from circulation.models import CalendarPeriod, LoanRule, Stocktake, Withdrawal
from circulation.services import stocktake as st
from tenants.catalogue.models import Item, ItemStatus
from tenants.models import Role

LIB = "/lib/alpha/"


@pytest.fixture
def client_as():
    def login(user):
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def session(shelves, library):
    with tenant_context(library):
        return st.start("期末盘点", location="main")


def outcome_of(response) -> str:
    return re.search(r'id="scan-outcome" data-outcome="([^"]*)"', response.content.decode()).group(1)


def test_the_scanner_keeps_the_shelf_and_the_focus_and_colours_each_outcome(session, shelves, helper, client_as):
    client = client_as(helper)
    page = client.get(f"{LIB}stocktakes/{session.pk}/scan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<input id="stock-barcode" name="barcode"[^>]*autofocus', html)
    assert 'hx-post=' in html and 'method="post"' in html  # htmx enhances a plain form
    novel = shelves["novels"][0].barcode
    first = client.post(f"{LIB}stocktakes/{session.pk}/scan/", {"barcode": novel, "shelf": "I-1"})
    assert outcome_of(first) == "ok" and 'name="shelf" value="I-1"' in first.content.decode()
    assert "<html" in first.content.decode()  # without JavaScript: the whole page again
    again = client.post(f"{LIB}stocktakes/{session.pk}/scan/", {"barcode": novel, "shelf": "I-1"},
                        HTTP_HX_REQUEST="true")
    assert outcome_of(again) == "again" and "<html" not in again.content.decode()
    assert 'name="shelf" value="I-1"' in again.content.decode()
    unknown = client.post(f"{LIB}stocktakes/{session.pk}/scan/", {"barcode": "NOPE", "shelf": "I-1"})
    assert outcome_of(unknown) == "unknown"
    empty = client.post(f"{LIB}stocktakes/{session.pk}/scan/", {"barcode": "", "shelf": "I-1"})
    assert outcome_of(empty) == "barcode_required"
    # The helper scans but sees no report and starts nothing.
    assert client.get(f"{LIB}stocktakes/{session.pk}/").status_code == 403
    assert client.post(f"{LIB}stocktakes/", {"name": "x"}).status_code == 403
    assert client.post(f"{LIB}stocktakes/{session.pk}/close/").status_code == 403


def test_staff_start_read_mark_missing_and_close(shelves, desk_staff, client_as, library):
    client = client_as(desk_staff)
    started = client.post(f"{LIB}stocktakes/", {"name": "期末盘点", "location": "main"})
    assert started.status_code == 302
    with tenant_context(library):
        pk = Stocktake.objects.get().pk
    client.post(f"{LIB}stocktakes/{pk}/scan/", {"barcode": shelves["histories"][0].barcode, "shelf": "I-1"})
    for item in shelves["novels"][:2]:
        client.post(f"{LIB}stocktakes/{pk}/scan/", {"barcode": item.barcode, "shelf": "I-1"})
    report = client.get(f"{LIB}stocktakes/{pk}/").content.decode()
    assert re.search(r'data-count="missing"><th>[^<]*</th><td>3<', report)
    misplaced = report.split('id="report-misplaced"')[1].split("</table>")[0]
    assert re.findall(r'data-barcode="([^"]+)"', misplaced) == [shelves["histories"][0].barcode]
    export = client.get(f"{LIB}stocktakes/{pk}/export/?as=xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert client.post(f"{LIB}stocktakes/{pk}/mark-missing/").status_code == 302
    assert client.post(f"{LIB}stocktakes/{pk}/close/").status_code == 302
    with tenant_context(library):
        assert Item.objects.filter(status=ItemStatus.MISSING).count() == 3
        assert Stocktake.objects.get().status == "closed"


def test_weeding_from_the_page_and_its_refusal(shelves, desk_staff, client_as, library):
    client = client_as(desk_staff)
    lent = shelves["novels"][3].barcode
    refused = client.post(f"{LIB}withdrawals/", {"barcodes": f"{shelves['novels'][0].barcode}\n{lent}",
                                                 "reason": "worn"})
    assert refused.status_code == 200 and lent in refused.content.decode()  # the list is shown again
    done = client.post(f"{LIB}withdrawals/", {"barcodes": shelves["novels"][0].barcode, "reason": "worn"})
    assert done.status_code == 302 and "batch=ZX" in done["Location"]
    page = client.get(done["Location"]).content.decode()
    assert f'data-barcode="{shelves["novels"][0].barcode}"' in page
    with tenant_context(library):
        assert Withdrawal.objects.count() == 2  # the fixture's weeded copy and this one
    assert client.get(f"{LIB}withdrawals/export/?as=xlsx").content[:2] == b"PK"
    ledgers = client.get(f"{LIB}ledgers/").content.decode()
    assert 'id="ledger-summary"' in ledgers and 'data-class="K"' in ledgers
    assert client.get(f"{LIB}ledgers/export/?ledger=classes&as=csv").status_code == 200


def test_the_administrator_edits_rules_periods_and_policy(in_library, make_user, desk_staff, client_as):
    admin = make_user("admin_alpha_pages", Role.LIBRARY_ADMIN, library=in_library)
    client = client_as(admin)
    assert client.post(f"{LIB}circulation/loan-rules/", {
        "action": "save", "reader_kind": "student", "material_type": "book", "lendable": "on", "loan_days": 21,
        "max_items": 3, "max_renewals": 1}).status_code == 302
    with tenant_context(in_library):
        rule = LoanRule.objects.get(reader_kind="student", material_type="book")
    page = client.get(f"{LIB}circulation/loan-rules/?reader_kind=student&material_type=book").content.decode()
    assert f'id="explained" data-why="reader_and_material" data-rule="{rule.pk}"' in page
    assert re.search(r'data-reader="student">.*?data-material="book" data-own="1"', page, re.S)
    client.post(f"{LIB}circulation/loan-rules/", {"action": "delete", "pk": rule.pk})
    assert client.post(f"{LIB}circulation/calendar/", {
        "action": "save", "kind": "closed", "name": "装修", "starts_on": "2026-12-01",
        "ends_on": "2026-12-02"}).status_code == 302
    days = client.get(f"{LIB}circulation/calendar/?start=2026-11-30").content.decode()
    assert 'data-date="2026-12-01" data-open="0" data-reason="period"' in days
    assert 'data-date="2026-11-30" data-open="1" data-reason="open"' in days
    assert client.post(f"{LIB}circulation/policy/", {
        "loss_policy": "replacement", "loss_factor": "2.00", "damage_share": "0.50", "default_price": "25.00",
        "remind_after_days": 2, "remind_every_days": 7}).status_code == 302
    with tenant_context(in_library):
        assert not LoanRule.objects.filter(pk=rule.pk).exists()
        assert CalendarPeriod.objects.get().library_open is False
        from circulation.models import CirculationPolicy

        assert CirculationPolicy.current().loss_policy == "replacement"
    staff = client_as(desk_staff)
    assert staff.get(f"{LIB}circulation/loan-rules/").status_code == 200
    assert staff.post(f"{LIB}circulation/loan-rules/", {"action": "defaults"}).status_code == 403
    assert staff.post(f"{LIB}circulation/policy/", {"loss_policy": "price"}).status_code == 403


def test_a_coordinator_of_the_region_sees_no_stock_page(session, make_user, district_a, client_as):
    coordinator = make_user("coord_east_pages", Role.COORDINATOR, region=district_a)
    client = client_as(coordinator)
    for url in ("stocktakes/", f"stocktakes/{session.pk}/", f"stocktakes/{session.pk}/scan/", "withdrawals/",
                "ledgers/", "circulation/loan-rules/", "circulation/calendar/", "circulation/policy/"):
        assert client.get(LIB + url).status_code == 403, url
