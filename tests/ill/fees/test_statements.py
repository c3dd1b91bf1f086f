"""Statements add up: every figure recomputed from the requests and supplies, in the service, CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from ill.models import IllRequest, SubsidyRule, Supply
from ill.services import fees
from tenants.models import Role
from tests.ill.fees.conftest import complete

pytestmark = pytest.mark.django_db

D = Decimal
NOV = [dt.date(2026, 11, d) for d in range(2, 29)]
LOAN_FEE, PAGE_FEE = D("5.00"), D("0.30")  # the default schedule, written out independently
PERCENT, CAP = 50, D("7.00")  # the province's subsidy in 2026


@pytest.fixture
def delta(make_library, district_b):
    return make_library("delta", region=district_b, kind="middle")


@pytest.fixture
def traffic(ill_world, record, province, delta):
    """A season of requests between four members (alpha and gamma east, beta and delta west)."""
    SubsidyRule.objects.create(name="全省", region=province, percent=PERCENT, yearly_cap=CAP, year=2026)
    alpha, beta, gamma = ill_world["alpha"], ill_world["beta"], ill_world["gamma"]
    compensation = {}
    plan = [
        (alpha, beta, {"on": dt.date(2026, 10, 20)}),  # another month
        (alpha, beta, {"on": NOV[0]}),
        (alpha, beta, {"service": "Copy", "pages": 12, "on": NOV[1]}),
        (alpha, gamma, {"service": "Copy", "pages": 40, "max_cost": D("10"), "on": NOV[2]}),  # capped at 10
        (beta, alpha, {"on": NOV[3]}),
        (beta, gamma, {"service": "CopyOrLoan", "pages": 7, "on": NOV[4]}),
        (gamma, alpha, {"on": NOV[5]}),
        (gamma, beta, {"lost_for": D("45.60"), "on": NOV[6]}),
        (alpha, beta, {"on": NOV[7]}),  # alpha's subsidy reaches its cap around here
        (alpha, gamma, {"service": "CopyOrLoan", "on": NOV[8]}),
        (delta, beta, {"service": "Copy", "pages": 3, "on": NOV[9]}),  # the west only
        (beta, delta, {"on": NOV[10]}),
        (alpha, beta, {"on": dt.date(2026, 12, 1)}),  # another month
    ]
    for borrower, lender, how in plan:
        supply = complete(borrower, lender, record, **how)
        if "lost_for" in how:
            compensation[supply.pk] = how["lost_for"]
    return compensation


def cents(value) -> Decimal:
    return Decimal(value).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def expected_statement(year, month, compensation, *, libraries=None):
    """Every figure from the requests and supplies alone, by the rules as documented."""
    done = Supply.objects.filter(status__in=("loan_completed", "copy_completed", "completed_without_return"))
    supplies = sorted(done.select_related("borrower", "lender"), key=lambda s: (s.closed_at, s.pk))
    subsidy_used = defaultdict(Decimal)
    pairs = {}
    for supply in supplies:
        day = timezone.localdate(supply.closed_at)
        request = IllRequest.objects.get(pk=supply.request_id)
        copy = supply.status == "copy_completed"
        fee = PAGE_FEE * supply.pages_supplied if copy else LOAN_FEE
        if request.max_cost is not None:
            fee = min(fee, request.max_cost)
        fee = cents(fee)
        room = CAP - subsidy_used[(supply.borrower_id, day.year)] if day.year == 2026 else D(0)
        subsidy = min(cents(fee * PERCENT / 100), room)
        subsidy_used[(supply.borrower_id, day.year)] += subsidy
        if day.year != year or (month and day.month != month):
            continue
        codes = {supply.borrower.code, supply.lender.code}
        if libraries is not None and not codes & set(libraries):
            continue
        row = pairs.setdefault((supply.borrower.code, supply.lender.code), {
            "loans": 0, "copies": 0, "pages": 0, "gross": D(0), "subsidy": D(0), "compensation": D(0)})
        row["copies" if copy else "loans"] += 1
        row["pages"] += supply.pages_supplied if copy else 0
        row["gross"] += fee
        row["subsidy"] += subsidy
        row["compensation"] += compensation.get(supply.pk, D(0))
    for row in pairs.values():
        row["owed"] = row["gross"] - row["subsidy"] + row["compensation"]
    net = defaultdict(Decimal)
    for (borrower, lender), row in pairs.items():
        net[lender] += row["owed"]
        net[borrower] -= row["owed"]
    return pairs, dict(net)


FIGURES = ("loans", "copies", "pages", "gross", "subsidy", "compensation", "owed")


def as_expected(rows) -> dict:
    return {(r["borrower"], r["lender"]): {k: r[k] for k in FIGURES} for r in rows}


def read_csv(data: bytes):
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    gap = rows.index([])
    return rows[:gap], rows[gap + 1:]


def pairs_from_cells(rows) -> dict:
    out = {}
    for r in rows:
        out[(r[0], r[2])] = {"loans": int(r[4]), "copies": int(r[5]), "pages": int(r[6]), "gross": cents(r[7]),
                             "subsidy": cents(r[8]), "compensation": cents(r[9]), "owed": cents(r[10])}
    return out


@pytest.mark.parametrize("month", [11, None])
def test_statements_add_up_in_the_service_and_in_both_exports(traffic, month):
    expected_pairs, expected_net = expected_statement(2026, month, traffic)
    document = fees.settlement(year=2026, month=month)
    assert as_expected(document["pairs"]) == expected_pairs
    assert {b["library"]: b["net"] for b in document["balances"]} == expected_net
    assert sum(b["net"] for b in document["balances"]) == 0
    for key in ("gross", "subsidy", "compensation", "owed"):
        assert document["totals"][key] == sum(row[key] for row in expected_pairs.values())
    # The subsidy took alpha to its cap and no further.
    assert fees.subsidies_received(fees.Library.objects.get(code="alpha"), 2026) == CAP

    pairs, balances = read_csv(fees.export_csv(document))
    assert pairs[0] == fees.pair_headers() and balances[0] == fees.balance_headers()
    assert pairs_from_cells(pairs[1:]) == expected_pairs
    assert {r[0]: cents(r[6]) for r in balances[1:]} == expected_net

    book = load_workbook(io.BytesIO(fees.export_xlsx(document)))
    pair_sheet, balance_sheet = book.worksheets
    sheet_rows = [[c.value for c in row] for row in pair_sheet.iter_rows()]
    assert sheet_rows[0] == fees.pair_headers()
    assert pairs_from_cells([[str(v) for v in r] for r in sheet_rows[1:]]) == expected_pairs
    balance_rows = [[c.value for c in row] for row in balance_sheet.iter_rows()]
    assert {r[0]: cents(str(r[6])) for r in balance_rows[1:]} == expected_net


def test_the_month_holds_what_completed_in_it(traffic):
    november = fees.settlement(year=2026, month=11)
    year = fees.settlement(year=2026)
    assert november["totals"]["requests"] == 11 and year["totals"]["requests"] == 13
    assert fees.settlement(year=2026, month=12)["totals"]["requests"] == 1
    assert fees.settlement(year=2025)["pairs"] == []


def test_a_librarys_staff_see_only_their_pairs_and_their_balance(traffic, api_as, ill_staff):
    response = api_as(ill_staff["alpha"]).get("/api/v1/ill/statements/?year=2026&month=11")
    assert response.status_code == 200
    data = response.json()
    assert data["pairs"] and all("alpha" in (p["borrower"], p["lender"]) for p in data["pairs"])
    expected_pairs, expected_net = expected_statement(2026, 11, traffic, libraries=["alpha"])
    assert {(p["borrower"], p["lender"]) for p in data["pairs"]} == set(expected_pairs)
    assert [(b["library"], cents(b["net"])) for b in data["balances"]] == [("alpha", expected_net["alpha"])]
    refused = api_as(ill_staff["alpha"]).get("/api/v1/ill/statements/?year=2026&library=beta")
    assert refused.status_code == 403
    for path in ("/api/v1/ill/statements/csv/?year=2026", "/api/v1/ill/statements/xlsx/?year=2026"):
        response = api_as(ill_staff["alpha"]).get(path)
        assert response.status_code == 200
    pairs, balances = read_csv(api_as(ill_staff["alpha"]).get("/api/v1/ill/statements/csv/?year=2026").content)
    assert all("alpha" in (r[0], r[2]) for r in pairs[1:]) and [r[0] for r in balances[1:]] == ["alpha"]


def test_a_coordinator_sees_the_libraries_of_their_regions(traffic, api_as, make_user, district_a, province):
    east = make_user("coord_east", Role.COORDINATOR, region=district_a)
    data = api_as(east).get("/api/v1/ill/statements/?year=2026&month=11").json()
    seen = {(p["borrower"], p["lender"]) for p in data["pairs"]}
    assert ("delta", "beta") not in seen and ("beta", "delta") not in seen
    assert ("beta", "alpha") in seen and ("gamma", "beta") in seen
    assert sorted(b["library"] for b in data["balances"]) == ["alpha", "gamma"]
    whole = api_as(make_user("coord_prov", Role.COORDINATOR, region=province)).get(
        "/api/v1/ill/statements/?year=2026&month=11").json()
    assert ("delta", "beta") in {(p["borrower"], p["lender"]) for p in whole["pairs"]}
    assert sum(D(b["net"]) for b in whole["balances"]) == 0


def test_a_reader_sees_no_statement(traffic, api_as, make_user, ill_world):
    reader = make_user("pupil", Role.STUDENT, library=ill_world["alpha"])
    assert api_as(reader).get("/api/v1/ill/statements/?year=2026").status_code == 403


def test_the_export_headers_are_in_the_users_language(traffic, api_as, ill_staff):
    client = api_as(ill_staff["alpha"])
    for language in ("en", "zh-hans"):
        data = client.get("/api/v1/ill/statements/csv/?year=2026", HTTP_ACCEPT_LANGUAGE=language).content
        with translation.override(language):
            assert read_csv(data)[0][0] == fees.pair_headers()


def test_a_bad_period_is_a_clear_error(traffic, api_as, ill_staff):
    response = api_as(ill_staff["alpha"]).get("/api/v1/ill/statements/?year=2026&month=13")
    assert (response.status_code, response.json()["code"]) == (400, "bad_month")
    response = api_as(ill_staff["alpha"]).get("/api/v1/ill/statements/?year=soon")
    assert (response.status_code, response.json()["code"]) == (400, "bad_period")
