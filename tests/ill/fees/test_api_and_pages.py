"""The schedule and subsidy rules through the API, and the statements page without JavaScript."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from ill.models import FeeSchedule, SubsidyRule
from ill.services import fees
from tenants.models import Role
from tests.ill.fees.conftest import complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def consortium_coordinator(make_user, province):
    return make_user("coord_prov", Role.COORDINATOR, region=province)


def test_the_consortium_sets_the_fee_from_a_day_on(api_as, consortium_coordinator, ill_world, record):
    client = api_as(consortium_coordinator)
    new = {"service_type": "Loan", "per_request": "6.50", "per_page": "0", "valid_from": "2026-09-01"}
    assert client.post("/api/v1/ill/fees/schedule/", new, format="json").status_code == 201
    again = client.post("/api/v1/ill/fees/schedule/", {**new, "per_request": "7.00"}, format="json")
    assert again.status_code == 200 and again.json()["per_request"] == "7.00"
    rows = client.get("/api/v1/ill/fees/schedule/").json()
    assert {(r["service_type"], r["valid_from"], r["per_request"]) for r in rows} >= {
        ("Loan", "2000-01-01", "5.00"), ("Loan", "2026-09-01", "7.00")}
    assert complete(ill_world["alpha"], ill_world["beta"], record, on=dt.date(2026, 9, 2)).fee.amount == Decimal("7")
    refused = client.post("/api/v1/ill/fees/schedule/", {**new, "service_type": "CopyOrLoan"}, format="json")
    assert refused.status_code == 400


def test_staff_read_the_fees_and_only_the_consortium_changes_them(api_as, ill_staff, make_user, district_a):
    staff = api_as(ill_staff["alpha"])
    assert staff.get("/api/v1/ill/fees/schedule/").status_code == 200
    assert staff.post("/api/v1/ill/fees/schedule/", {"service_type": "Loan", "per_request": "0", "per_page": "0",
                                                     "valid_from": "2026-01-01"}, format="json").status_code == 403
    district = api_as(make_user("coord_east", Role.COORDINATOR, region=district_a))
    rule = {"name": "东区", "region": "east", "percent": 50, "yearly_cap": "100", "year": 2026}
    assert district.post("/api/v1/ill/fees/subsidies/", rule, format="json").status_code == 403
    assert FeeSchedule.objects.filter(valid_from=dt.date(2026, 1, 1)).count() == 0
    assert SubsidyRule.objects.count() == 0


def test_subsidy_rules_are_created_changed_and_removed(api_as, consortium_coordinator, ill_world, record):
    client = api_as(consortium_coordinator)
    made = client.post("/api/v1/ill/fees/subsidies/", {"name": "东区高中", "region": "east", "library_kind": "high",
                                                       "percent": 80, "yearly_cap": "50", "year": 2026},
                       format="json")
    assert made.status_code == 201
    pk = made.json()["id"]
    changed = client.put(f"/api/v1/ill/fees/subsidies/{pk}/", {"name": "东区高中", "region": "east",
                                                               "library_kind": "high", "percent": 100,
                                                               "yearly_cap": "50", "year": 2026}, format="json")
    assert changed.status_code == 200 and changed.json()["percent"] == 100
    assert client.post("/api/v1/ill/fees/subsidies/", {"name": "x", "percent": 120, "yearly_cap": "1",
                                                       "year": 2026}, format="json").status_code == 400
    line = complete(ill_world["gamma"], ill_world["beta"], record, on=dt.date(2026, 5, 5)).fee
    assert line.subsidy == Decimal("5.00") and line.subsidy_rule_id == pk
    in_use = client.delete(f"/api/v1/ill/fees/subsidies/{pk}/")
    assert (in_use.status_code, in_use.json()["code"]) == (409, "rule_in_use")
    unused = SubsidyRule.objects.create(name="unused", percent=10, yearly_cap=1, year=2026)
    assert client.delete(f"/api/v1/ill/fees/subsidies/{unused.pk}/").status_code == 204


def test_the_statements_page_shows_pairs_balances_and_downloads(ill_world, record, ill_staff, make_user):
    complete(ill_world["alpha"], ill_world["beta"], record, on=dt.date(2026, 11, 3))
    complete(ill_world["beta"], ill_world["alpha"], record, service="Copy", pages=20, on=dt.date(2026, 11, 4))
    complete(ill_world["beta"], ill_world["gamma"], record, on=dt.date(2026, 11, 5))
    browser = Client()
    browser.force_login(ill_staff["alpha"])
    page = browser.get("/ill/statements/?year=2026&month=11")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-borrower="alpha" data-lender="beta"' in html and 'data-borrower="beta" data-lender="alpha"' in html
    assert 'data-lender="gamma"' not in html  # not alpha's pair
    assert 'data-library="alpha"' in html and 'data-net="1.00"' in html  # owed 6.00, owes 5.00
    assert 'href="/ill/statements/csv/?year=2026&amp;month=11"' in html
    xlsx = browser.get("/ill/statements/xlsx/?year=2026&month=11")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('ill-statement-2026-11.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [(r[0].value, r[2].value) for r in sheet.iter_rows(min_row=2)] == [("alpha", "beta"), ("beta", "alpha")]
    assert browser.get("/ill/statements/?year=2026&month=13").status_code == 400
    assert browser.get("/ill/statements/csv/?year=2026&library=beta").status_code == 403
    reader = make_user("pupil", Role.STUDENT, library=ill_world["alpha"])
    browser.force_login(reader)
    assert browser.get("/ill/statements/").status_code == 403


def test_the_default_schedule_is_installed_once(db):
    assert fees.schedule() and fees.schedule()
    assert FeeSchedule.objects.count() == 2
