"""One reading of search parameters: the REST API and the web catalogue find the same records,
refuse the same bad parameters with the same message, and label facet values alike."""

from __future__ import annotations

import html

import pytest
from django.http import QueryDict

from search.backends import get_backend
from search.contract import BoolNode, Term
from search.documents import documents_for
from search.exceptions import BadSearchParameter, QuerySyntaxError
from search.services.params import search_query
from tests.search.catalogue import XIYOUJI_ISBN10, build_catalogue
from union.models import UnionRecord

API = "/api/v1/search/"
WEB = "/search/"


def test_text_fields_read_the_search_box_syntax_and_identifiers_are_whole():
    query = search_query(QueryDict("title=红楼梦 OR 西游记&isbn=7-02-000220-7&year=1980,1982"))
    assert query.query == BoolNode(
        "and",
        (
            BoolNode("or", (Term("title", "红楼梦"), Term("title", "西游记"))),
            Term("isbn", "7-02-000220-7"),
            BoolNode("or", (Term("year", "1980"), Term("year", "1982"))),
        ),
    )


def test_filters_may_be_repeated_or_comma_separated():
    query = search_query(QueryDict("library=alpha,beta&library=gamma&available=1&language=chi"))
    assert query.filters == {"library": ["alpha", "beta", "gamma"], "language": ["chi"], "available": ["true"]}
    assert search_query(QueryDict("available=false")).filters == {}


def test_the_api_pages_by_offset_and_the_web_by_page():
    api = search_query(QueryDict("offset=40&limit=10"))
    assert (api.offset, api.limit) == (40, 10)
    web = search_query(QueryDict("page=3&offset=999&limit=1"), page_size=20)
    assert (web.offset, web.limit) == (40, 20)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ("q=(西游记", QuerySyntaxError),
        ("sort=random", BadSearchParameter),
        ("year=abc", BadSearchParameter),
        ("year_from=2000&year_to=1990", BadSearchParameter),
        ("year_from=MMXX", BadSearchParameter),
        ("available=perhaps", BadSearchParameter),
        ("limit=101", BadSearchParameter),
        ("offset=-1", BadSearchParameter),
        ("page=0", BadSearchParameter),
        ("isbn=" + "9" * 41, BadSearchParameter),
        ("author=a%00b", BadSearchParameter),
    ],
)
def test_unreadable_parameters_are_user_errors_naming_the_problem(params, error):
    with pytest.raises(error) as raised:
        search_query(QueryDict(params), page_size=20 if "page" in params else None)
    assert raised.value.message


@pytest.fixture
def indexed_catalogue(db, make_library, district_a, district_b):
    libraries = {
        "a": make_library("alpha", region=district_a, name="实验中学"),
        "b": make_library("beta", region=district_b),
        "c": make_library("gamma", region=district_b, kind="high"),
    }
    records = build_catalogue(libraries)
    engine = get_backend()
    engine.clear()
    docs, _gone = documents_for(UnionRecord.objects.values_list("pk", flat=True))
    engine.index(docs)
    yield records
    engine.clear()


def _api(api, params: dict) -> tuple[list[int], int]:
    body = api.get(API, params).json()
    return [r["id"] for r in body["results"]], body["count"]


def _web(client, params: dict) -> tuple[list[int], int]:
    response = client.get(WEB, params)
    assert response.status_code == 200
    assert "error" not in response.context, response.context.get("error")
    records = [hit["record"] for hit in response.context["records"]]
    page = response.content.decode()
    for record in records:  # what the context holds is what the page shows
        assert f'href="/search/record/{record.urid}/"' in page
    return [r.pk for r in records], response.context["total"]


SEARCHES = [
    {"title": "红楼梦 OR 西游记", "year_from": "2000"},
    {"title": "西游记 故事"},
    {"author": "罗贯中", "sort": "year_desc"},
    {"q": "西游记", "library": "beta,gamma"},
    {"q": "西游记 OR 红楼梦", "available": "true"},
    {"publisher": "人民文学出版社", "year_from": "1980", "year_to": "1985"},
    {"subject": "章回小说", "year": "1982"},
    {"q": "红楼梦", "district": "west", "language": "chi"},
    {"isbn": XIYOUJI_ISBN10},
    {"clc": "TP3"},
    {"issn": "1002-9931"},
    {"q": "中国", "material_type": "map,serial"},
    {"year": "1990-2000", "sort": "year_asc"},
    {"q": "物理学习题集", "sort": "title", "clc_class": "O"},
    {"q": "journey west", "language": "eng"},
]


def test_the_api_and_the_web_page_find_the_same_records(api, client, indexed_catalogue):
    # One catalogue for every search: building it (three library schemas) is the slow part.
    for params in SEARCHES:
        found, total = _api(api, params)
        assert total > 0, f"{params} finds something"
        assert _web(client, params) == (found, total), params


def test_the_second_page_is_the_same_window_on_both(api, client, indexed_catalogue):
    params = {"q": "物理学习题集", "sort": "year_desc"}
    found, total = _api(api, {**params, "offset": 20, "limit": 20})
    assert total == 25 and len(found) == 5
    assert _web(client, {**params, "page": 2}) == (found, total)


BAD = [
    {"q": "(西游记"},
    {"q": "西游记 AND"},
    {"sort": "random"},
    {"year": "abc"},
    {"year_from": "2000", "year_to": "1990"},
    {"year_to": "soon"},
    {"available": "perhaps"},
    {"title": "红" * 501},
    {"q": "西游\x00记"},
]


def test_bad_parameters_give_the_same_message_on_both(api, client, indexed_catalogue):
    for params in BAD:
        answer = api.get(API, params)
        assert answer.status_code == 400, params
        message = answer.json()["detail"]
        page = client.get(WEB, params)
        assert page.status_code == 200, params
        assert page.context["error"] == message, params
        assert f'<p class="error" role="alert">{html.escape(message)}</p>' in page.content.decode()


def test_facet_values_carry_the_same_labels_on_both(api, client, indexed_catalogue):
    params = {"year_from": "1900"}  # everything dated, so every kind of facet has values
    api_labels = {
        (facet, entry["value"]): entry["label"]
        for facet, entries in api.get(API, params).json()["facets"].items()
        for entry in entries
    }
    web_labels = {
        (group["name"], entry["value"]): entry["label"]
        for group in client.get(WEB, params).context["facet_groups"]
        for entry in group["entries"]
    }
    # The web page offers only "available now" of the availability facet.
    assert set(web_labels) == set(api_labels) - {("available", "false")}
    assert {key: api_labels[key] for key in web_labels} == web_labels
    # ... and they are names, not codes.
    assert web_labels[("library", "alpha")] == "实验中学"
    assert web_labels[("district", "east")] == "东区"
    assert web_labels[("district", "west")] == "西区"
    for key, code in [
        (("material_type", "map"), "map"),
        (("language", "eng"), "eng"),
        (("language", "fre"), "fre"),
        (("clc_class", "I"), "I"),
        (("available", "true"), "true"),
    ]:
        assert web_labels[key] and web_labels[key] != code
