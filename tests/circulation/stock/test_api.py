"""The stock API: who may do what, and the answers' codes and figures."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import tenant_context

from circulation.models import LoanRule, Stocktake
from tenants.models import Role

BASE = "/api/v1/libraries/alpha/"


@pytest.fixture
def coordinator(make_user, district_a, library):
    return make_user("coord_east_stock", Role.COORDINATOR, region=district_a)


@pytest.fixture
def admin(make_user, library):
    return make_user("admin_alpha_stock", Role.LIBRARY_ADMIN, library=library)


@pytest.fixture
def started(shelves, desk_staff, api_as):
    response = api_as(desk_staff).post(BASE + "stocktakes/", {"name": "期末盘点", "location": "main"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["counts"]["expected"] == 6 and response.json()["counts"]["on_loan"] == 1
    return response.json()["id"]


def test_staff_run_a_stocktake_through_the_api(started, shelves, desk_staff, api_as):
    api = api_as(desk_staff)
    novel = shelves["novels"][0].barcode
    first = api.post(f"{BASE}stocktakes/{started}/scans/", {"barcode": novel, "shelf": "I-1"}, format="json")
    again = api.post(f"{BASE}stocktakes/{started}/scans/", {"barcode": novel, "shelf": "I-1"}, format="json")
    unknown = api.post(f"{BASE}stocktakes/{started}/scans/", {"barcode": "NOPE", "shelf": "I-1"}, format="json")
    assert [r.json()["code"] for r in (first, again, unknown)] == ["ok", "again", "unknown"]
    assert first.json()["counted"] is True and again.json()["counted"] is False
    report = api.get(f"{BASE}stocktakes/{started}/report/").json()
    assert report["counts"]["found"] == 1 and report["counts"]["missing"] == 5
    assert [line["reason"] for line in report["unexpected"]] == ["unknown"]
    export = api.get(f"{BASE}stocktakes/{started}/report/export/?as=csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert export["Content-Type"].startswith("text/csv") and len(rows) == 1 + 5 + 1 + 1
    marked = api.post(f"{BASE}stocktakes/{started}/mark-missing/").json()
    assert len(marked["marked"]) == 5 and marked["skipped"] == []
    assert api.post(f"{BASE}stocktakes/{started}/close/").json()["status"] == "closed"
    refused = api.post(f"{BASE}stocktakes/{started}/scans/", {"barcode": novel}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "stocktake_closed"


def test_a_desk_helper_may_scan_but_not_start_close_or_read_reports(started, shelves, helper, api_as, library):
    api = api_as(helper)
    scanned = api.post(f"{BASE}stocktakes/{started}/scans/", {"barcode": shelves["novels"][0].barcode,
                                                              "shelf": "I-1"}, format="json")
    assert scanned.status_code == 201 and scanned.json()["code"] == "ok"
    assert api.post(BASE + "stocktakes/", {"name": "x"}, format="json").status_code == 403
    assert api.post(f"{BASE}stocktakes/{started}/close/").status_code == 403
    assert api.post(f"{BASE}stocktakes/{started}/mark-missing/").status_code == 403
    assert api.get(f"{BASE}stocktakes/{started}/report/").status_code == 403
    assert api.get(f"{BASE}withdrawals/").status_code == 403
    assert api.get(f"{BASE}loan-rules/").status_code == 403
    with tenant_context(library):
        assert Stocktake.objects.get(pk=started).status == "open"
        assert Stocktake.objects.count() == 1


def test_a_coordinator_of_the_librarys_own_region_gets_403_everywhere(started, coordinator, api_as):
    api = api_as(coordinator)
    for url in ("stocktakes/", f"stocktakes/{started}/", f"stocktakes/{started}/report/", "withdrawals/",
                "ledgers/summary/", "ledgers/classes/", "loan-rules/", "calendar-periods/", "policy/",
                "calendar/days/", "loan-rules/explain/?reader_kind=student&material_type=book"):
        assert api.get(BASE + url).status_code == 403, url
    assert api.post(f"{BASE}stocktakes/{started}/scans/", {"barcode": "X"}, format="json").status_code == 403
    assert api.post(BASE + "loan-rules/defaults/").status_code == 403


def test_withdrawing_through_the_api_refuses_an_item_on_loan(shelves, desk_staff, api_as):
    api = api_as(desk_staff)
    lent = shelves["novels"][3].barcode
    refused = api.post(BASE + "withdrawals/", {"barcodes": [lent], "reason": "worn"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "item_on_loan"
    done = api.post(BASE + "withdrawals/", {"barcodes": [shelves["histories"][0].barcode], "reason": "outdated"},
                    format="json")
    assert done.status_code == 201 and done.json()["total_price"] == "50.00"
    ledger = api.get(BASE + "withdrawals/").json()
    assert ledger["totals"]["items"] == 2  # the fixture's weeded copy and this one
    assert {line["clc_class"] for line in ledger["lines"]} == {"I", "K"}
    xlsx = api.get(BASE + "withdrawals/export/?as=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert api.get(BASE + "withdrawals/export/?as=pdf").json()["code"] == "bad_format"


def test_the_ledgers_answer_in_the_api(shelves, desk_staff, api_as):
    api = api_as(desk_staff)
    summary = api.get(BASE + "ledgers/summary/").json()
    assert summary[-1]["held_items"] == 8 and summary[-1]["withdrawn_items"] == 1
    classes = {row["clc_class"]: row for row in api.get(BASE + "ledgers/classes/").json()}
    assert classes["I"]["held_items"] == 5 and classes["K"]["held_items"] == 3
    assert api.get(BASE + "ledgers/classes/export/?as=csv").status_code == 200


def test_the_administrator_manages_the_settings_and_staff_only_read(in_library, admin, desk_staff, api_as):
    api = api_as(admin)
    made = api.post(BASE + "loan-rules/", {"reader_kind": "student", "material_type": "book", "loan_days": 21,
                                           "max_items": 3}, format="json")
    assert made.status_code == 201
    pk = made.json()["id"]
    twice = api.post(BASE + "loan-rules/", {"reader_kind": "student", "material_type": "book"}, format="json")
    assert twice.status_code == 400 and twice.json()["code"] == "rule_exists"
    assert api.patch(f"{BASE}loan-rules/{pk}/", {"max_items": 4}, format="json").json()["max_items"] == 4
    explained = api.get(BASE + "loan-rules/explain/?reader_kind=student&material_type=book").json()
    assert explained["why"] == "reader_and_material" and explained["rule"]["rule_id"] == pk
    assert api.delete(f"{BASE}loan-rules/{pk}/").status_code == 204
    with tenant_context(in_library):
        assert not LoanRule.objects.filter(pk=pk).exists()

    period = api.post(BASE + "calendar-periods/", {"kind": "closed", "name": "装修", "starts_on": "2026-12-01",
                                                   "ends_on": "2026-12-03", "library_open": False}, format="json")
    assert period.status_code == 201
    days = api.get(BASE + "calendar/days/?start=2026-11-30&days=5").json()
    assert [(d["date"], d["open"], d["reason"]) for d in days] == [
        ("2026-11-30", True, "open"), ("2026-12-01", False, "period"), ("2026-12-02", False, "period"),
        ("2026-12-03", False, "period"), ("2026-12-04", True, "open")]
    bad = api.patch(f"{BASE}calendar-periods/{period.json()['id']}/", {"ends_on": "2026-11-01"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_dates"
    assert api.patch(BASE + "policy/", {"loss_policy": "replacement"}, format="json").json()["loss_policy"] == \
        "replacement"

    staff = api_as(desk_staff)
    assert staff.get(BASE + "loan-rules/").status_code == 200
    assert staff.get(BASE + "policy/").json()["loss_policy"] == "replacement"
    assert staff.post(BASE + "loan-rules/defaults/").status_code == 403
    assert staff.patch(BASE + "policy/", {"loss_policy": "price"}, format="json").status_code == 403


def test_out_of_range_query_values_are_a_400_not_a_crash(in_library, desk_staff, api_as):
    api = api_as(desk_staff)
    for url in ("calendar/days/?start=9999-12-31", "calendar/days/?days=0", "calendar/days/?start=1.1.",
                "withdrawals/?year=99999", "ledgers/classes/?year=abc"):
        response = api.get(BASE + url)
        assert response.status_code == 400 and response.json()["code"] == "invalid", url
    assert api.get(BASE + "withdrawals/?batch=ZX%00").status_code == 200
