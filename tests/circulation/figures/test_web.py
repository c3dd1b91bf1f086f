"""The figures page: the tables, the chart data beside them, the period chooser, and who may see it."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tenants.models import Role


@pytest.fixture
def staff(make_user, library):
    return make_user("circ_a", Role.CIRCULATION, library=library)


def page(user, query=""):
    client = Client()
    client.force_login(user)
    return client.get(f"/lib/alpha/figures/{query}")


def chart_data(response) -> dict:
    match = re.search(r'<script id="figures-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, "the page has no JSON block for its charts"
    return json.loads(match.group(1))


def rows(response, table_id) -> list[str]:
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S).group(1)
    return re.findall(r"<tr (data-[a-z]+=\"[^\"]*\")", body)


def test_the_page_shows_each_table_and_its_chart_data(school, staff):
    response = page(staff, f"?term={school['term'].pk}")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("summary", "grades", "classes", "titles"):
        assert f'id="table-{name}"' in html and f'id="export-{name}"' in html
    for chart in ("shares", "grades", "classes", "titles"):
        assert f'data-chart="{chart}"' in html
    c31, c32, c41 = school["classes"]
    assert rows(response, "table-classes") == [f'data-class="{c31.pk}"', f'data-class="{c32.pk}"',
                                               f'data-class="{c41.pk}"', 'data-class=""']
    assert rows(response, "table-grades") == ['data-grade="3"', 'data-grade="4"', 'data-grade=""']
    assert 'data-key="loans_per_student" data-value="1.33"' in html
    data = chart_data(response)
    assert data["grades"]["loans"] == [5, 2, 1] and data["grades"]["corner_loans"] == [2, 0, 0]
    assert data["classes"]["loans"] == [3, 2, 2, 1] and data["classes"]["per_student"] == [1.0, 2.0, 2.0, 1.0]
    assert data["titles"] == {"names": ["Alpha book", "Bravo book", "Charlie book", "Echo book"],
                              "loans": [5, 2, 2, 2]}
    assert data["shares"]["values"] == [60.0, 70.0]


def test_the_page_ships_its_chart_library_and_loads_nothing_from_other_sites(school, staff):
    html = page(staff).content.decode()
    assert "/static/vendor/echarts.min.js" in html and "/static/circulation/figures.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_export_links_carry_the_period_shown(school, staff):
    html = page(staff, "?year=2026").content.decode()
    assert "/api/v1/libraries/alpha/figures/export.csv?table=classes&amp;from=2026-01-01&amp;to=2026-12-31" in html
    html = page(staff, f"?term={school['term'].pk}").content.decode()
    assert f"/api/v1/libraries/alpha/figures/export.xlsx?table=titles&amp;term={school['term'].pk}" in html


def test_the_chooser_offers_the_terms_and_marks_the_one_shown(school, staff):
    html = page(staff, f"?term={school['term'].pk}").content.decode()
    assert re.search(rf'<option value="{school["term"].pk}" selected>', html)
    assert 'id="choose-year"' in html and 'id="choose-range"' in html and 'id="choose-school-year"' in html


def test_a_bad_choice_says_so_and_shows_the_default_period(school, staff):
    response = page(staff, "?from=2026-09-30&to=2026-09-01")
    assert response.status_code == 400
    assert 'id="period-error"' in response.content.decode()
    assert 'id="table-summary"' in response.content.decode()


def test_the_page_works_for_a_library_with_nothing_yet(library, staff):
    response = page(staff)
    assert response.status_code == 200
    assert chart_data(response)["titles"] == {"names": [], "loans": []}


def test_the_library_administrator_sees_the_page(school, librarian_a):
    assert page(librarian_a).status_code == 200


@pytest.mark.parametrize("role", [Role.DESK_HELPER, Role.CATALOGUER, Role.STUDENT])
def test_other_people_of_the_library_get_403(school, make_user, library, role):
    assert page(make_user("someone", role, library=library)).status_code == 403


def test_a_coordinator_of_the_librarys_own_region_gets_403(school, make_user, district_a, province):
    assert page(make_user("coord_east", Role.COORDINATOR, region=district_a)).status_code == 403
    assert page(make_user("coord_prov", Role.COORDINATOR, region=province)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(school):
    response = Client().get("/lib/alpha/figures/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
