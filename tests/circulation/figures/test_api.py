"""The figures API and its exports: the service's data as it is, to the library's own staff only."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from circulation.services import figures
from tenants.models import Role


@pytest.fixture
def staff(make_user, library):
    return make_user("circ_a", Role.CIRCULATION, library=library)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def service_figures(school, **period):
    with tenant_context(school["library"]):
        result = figures.school_figures(school["library"], figures.period_for(**period))
        tables = {name: figures.table(result, name) for name in figures.TABLES}
    connection.set_schema_to_public()
    return result, tables


def test_the_api_answers_the_services_figures(school, staff):
    response = client_for(staff).get(f"/api/v1/libraries/alpha/figures/?term={school['term'].pk}")
    assert response.status_code == 200
    expected, _tables = service_figures(school, term=school["term"].pk)
    assert response.json() == expected
    assert {f["key"]: f["value"] for f in response.json()["summary"]}["loans_per_student"] == 1.33


@pytest.mark.parametrize("query, first, last", [
    ("year=2026", "2026-01-01", "2026-12-31"),
    ("school_year=2026", "2026-09-01", "2027-08-31"),
    ("from=2026-09-01&to=2026-09-30", "2026-09-01", "2026-09-30"),
])
def test_a_period_is_chosen_by_year_school_year_or_days(school, staff, query, first, last):
    response = client_for(staff).get(f"/api/v1/libraries/alpha/figures/?{query}")
    assert response.status_code == 200
    assert (response.json()["period"]["from"], response.json()["period"]["to"]) == (first, last)


def test_a_bad_period_is_a_400_with_its_code(school, staff):
    response = client_for(staff).get("/api/v1/libraries/alpha/figures/?from=2026-09-30&to=2026-09-01")
    assert response.status_code == 400 and response.json()["code"] == "bad_period"
    response = client_for(staff).get("/api/v1/libraries/alpha/figures/?term=999999")
    assert response.status_code == 404 and response.json()["code"] == "term_unknown"


@pytest.mark.parametrize("name", figures.TABLES)
def test_the_csv_export_is_the_services_table(school, staff, name):
    response = client_for(staff).get(f"/api/v1/libraries/alpha/figures/export.csv?table={name}"
                                     f"&term={school['term'].pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"alpha-{name}-2026-09-01-2027-01-15.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    _result, tables = service_figures(school, term=school["term"].pk)
    header, expected = tables[name]
    assert rows[0] == header
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in expected]
    assert len(rows) > 1


@pytest.mark.parametrize("name", figures.TABLES)
def test_the_xlsx_export_is_the_services_table(school, staff, name):
    response = client_for(staff).get(f"/api/v1/libraries/alpha/figures/export.xlsx?table={name}"
                                     f"&term={school['term'].pk}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    _result, tables = service_figures(school, term=school["term"].pk)
    header, expected = tables[name]
    assert rows == [header, *expected]
    assert sheet.title == name


def test_the_hand_counted_classes_reach_the_spreadsheet(school, staff):
    response = client_for(staff).get(f"/api/v1/libraries/alpha/figures/export.xlsx?table=classes"
                                     f"&term={school['term'].pk}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    counts = [row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert counts == [(3, 3, 3, 0, 1), (3, 1, 2, 2, 2), (4, 1, 2, 0, 2), (None, 1, 1, 0, 1)]


def test_a_csv_client_asking_only_for_csv_gets_it(school, staff):
    response = client_for(staff).get("/api/v1/libraries/alpha/figures/export.csv?table=titles&year=2026",
                                     HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert "Alpha book" in response.content.decode("utf-8-sig")


def test_an_unknown_table_is_a_400(school, staff):
    response = client_for(staff).get("/api/v1/libraries/alpha/figures/export.csv?table=readers")
    assert response.status_code == 400 and response.json()["code"] == "table_unknown"


@pytest.fixture
def refused(make_user, library, district_a, province):
    return {
        "coordinator of the library's own district": make_user("coord_east", Role.COORDINATOR, region=district_a),
        "coordinator of the province": make_user("coord_prov", Role.COORDINATOR, region=province),
        "desk helper": make_user("helper_a", Role.DESK_HELPER, library=library),
        "cataloguer": make_user("cat_a", Role.CATALOGUER, library=library),
        "student": make_user("student_a", Role.STUDENT, library=library),
    }


@pytest.mark.parametrize("url", ["figures/?year=2026", "figures/export.csv?table=classes",
                                 "figures/export.xlsx?table=grades"])
def test_coordinators_of_the_own_region_and_desk_helpers_get_403(school, refused, url):
    for who, user in refused.items():
        response = client_for(user).get(f"/api/v1/libraries/alpha/{url}")
        assert response.status_code == 403, who


def test_the_library_administrator_reads_the_figures(school, librarian_a):
    assert client_for(librarian_a).get("/api/v1/libraries/alpha/figures/").status_code == 200


def test_the_schema_documents_the_figures(school, staff):
    schema = client_for(staff).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    answer = paths["/api/v1/libraries/{code}/figures/"]["get"]
    assert {p["name"] for p in answer["parameters"]} >= {"term", "year", "school_year", "from", "to"}
    assert "/api/v1/libraries/{code}/figures/export.xlsx" in paths
    assert set(schema["components"]["schemas"]["Figures"]["properties"]) == {
        "period", "enrolment", "summary", "grades", "classes", "titles"}
