"""``GET /api/v1/search/`` and ``/api/v1/search/suggest/`` (PostgreSQL backend)."""

from __future__ import annotations

import pytest

from search.backends import get_backend
from search.documents import documents_for
from tests.search.catalogue import XIYOUJI_ISBN10, build_catalogue
from union.models import UnionRecord

URL = "/api/v1/search/"


@pytest.fixture
def api_catalogue(db, make_library, district_a, district_b):
    libraries = {
        "a": make_library("alpha", region=district_a, name="实验中学"),
        "b": make_library("beta", region=district_b),
        "c": make_library("gamma", region=district_b, kind="high"),
    }
    records = build_catalogue(libraries)
    engine = get_backend("postgres")
    engine.clear()
    docs, _gone = documents_for(UnionRecord.objects.values_list("pk", flat=True))
    engine.index(docs)
    return records


def test_anonymous_readers_can_search(api, api_catalogue):
    response = api.get(URL, {"q": "西游记"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["id"] == api_catalogue["xiyouji"].pk
    assert first["title"] == "西游记"
    assert first["authors"] == ["吴承恩"]
    assert first["year"] == 1980
    assert first["isbns"] == api_catalogue["xiyouji"].isbns
    assert first["holdings"] == [
        {
            "library": "alpha",
            "library_name": "实验中学",
            "district": "east",
            "call_number": "I242.4/1",
            "items_total": 2,
            "items_available": 0,
            "items_loanable": 0,
            "available": False,
        }
    ]


def test_facets_carry_values_labels_and_counts(api, api_catalogue):
    body = api.get(URL, {"q": "西游记 OR 红楼梦"}).json()
    libraries = {f["value"]: f for f in body["facets"]["library"]}
    assert libraries["alpha"] == {"value": "alpha", "label": "实验中学", "count": 3}
    districts = {f["value"]: f["label"] for f in body["facets"]["district"]}
    assert districts == {"east": "东区", "west": "西区"}
    assert {f["value"] for f in body["facets"]["clc_class"]} == {"I"}


def test_fielded_parameters_and_filters(api, api_catalogue):
    def ids(**params):
        return {r["id"] for r in api.get(URL, params).json()["results"]}

    assert ids(author="罗贯中") == {api_catalogue["sanguo"].pk, api_catalogue["sanguo_comic"].pk}
    assert ids(title="红楼梦 OR 西游记", year_from=2000) == {
        api_catalogue["xiyouji_stories"].pk,
        api_catalogue["hlm_study"].pk,
    }
    assert ids(isbn=XIYOUJI_ISBN10) == {api_catalogue["xiyouji"].pk}
    assert ids(clc="TP3") == {api_catalogue["data_structures"].pk}
    assert ids(q="西游记", library="beta,gamma") == {api_catalogue["xiyouji_stories"].pk}
    assert ids(q="西游记 OR 红楼梦", available="true") == {
        api_catalogue["xiyouji_stories"].pk,
        api_catalogue["hongloumeng"].pk,
    }
    assert ids(material_type="map") == {api_catalogue["atlas"].pk}
    assert ids(subject="章回小说", year="1982") == {api_catalogue["hongloumeng"].pk}
    response = api.get(URL + "?q=西游记+OR+红楼梦&district=east&district=west&language=chi")
    assert response.json()["count"] == 4


def test_sort_and_paging(api, api_catalogue):
    page = api.get(URL, {"q": "物理学习题集", "sort": "year_desc", "offset": 5, "limit": 5}).json()
    assert page["count"] == 25
    assert [r["year"] for r in page["results"]] == [2010, 2009, 2008, 2007, 2006]
    assert page["offset"] == 5 and page["limit"] == 5


@pytest.mark.parametrize(
    "params",
    [
        {"q": "(西游记"},
        {"q": "西游记 AND"},
        {"limit": "1000"},
        {"limit": "x"},
        {"offset": "-1"},
        {"sort": "random"},
        {"year": "abc"},
        {"year_from": "2000", "year_to": "1990"},
        {"available": "perhaps"},
    ],
)
def test_bad_parameters_are_400_with_a_message(api, api_catalogue, params):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_suggest(api, api_catalogue):
    body = api.get(URL + "suggest/", {"q": "xiyou"}).json()
    assert "西游记" in body["suggestions"]
    assert api.get(URL + "suggest/", {"q": ""}).json()["suggestions"] == []
    assert api.get(URL + "suggest/", {"q": "x", "limit": "99"}).status_code == 400


def test_the_search_api_is_in_the_openapi_schema(api, db):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "q",
        "title",
        "author",
        "isbn",
        "clc",
        "library",
        "district",
        "available",
        "sort",
        "offset",
        "limit",
    } <= names
    response_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][response_schema.rsplit("/", 1)[-1]]
    assert {"count", "results", "facets"} <= set(component["properties"])
    assert "/api/v1/search/suggest/" in schema["paths"]


def test_healthz_reports_the_search_backend(client, db):
    body = client.get("/healthz").json()
    assert body["search"]["backend"] == "postgres"
    assert body["search"]["ok"] is True


def test_facets_of_very_broad_searches_are_estimated_and_flagged(api, api_catalogue, monkeypatch):
    engine = get_backend("postgres")
    exact = api.get(URL, {"q": "物理学习题集"}).json()
    assert exact["facets_estimated"] is False
    monkeypatch.setattr(engine, "facet_exact_limit", 5)
    body = api.get(URL, {"q": "物理学习题集"}).json()
    assert body["facets_estimated"] is True
    assert body["count"] == 25
    # Every match is a Chinese book held by alpha: the scaled sample gives the exact count.
    assert {f["value"]: f["count"] for f in body["facets"]["library"]} == {"alpha": 25}
    assert {f["value"]: f["count"] for f in body["facets"]["language"]} == {"chi": 25}
    years = {f["value"]: f["count"] for f in body["facets"]["year"]}
    assert 0 < len(years) < 25  # only the sampled years, each scaled up


def test_browsing_everything_pages_by_static_rank(api, api_catalogue, monkeypatch):
    body = api.get(URL, {"limit": 3}).json()
    assert body["count"] == 37
    assert body["results"][0]["id"] == api_catalogue["xiyouji_stories"].pk  # held by three members
    assert body["facets_estimated"] is False
    assert {f["value"]: f["count"] for f in body["facets"]["material_type"]} == {
        "book": 35,
        "map": 1,
        "serial": 1,
    }
    monkeypatch.setattr(get_backend("postgres"), "facet_exact_limit", 5)
    body = api.get(URL, {"limit": 3}).json()
    assert body["count"] == 37 and body["facets_estimated"] is True
    assert body["results"][0]["id"] == api_catalogue["xiyouji_stories"].pk
