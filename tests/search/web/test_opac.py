"""The web catalogue: search page, facets, paging, htmx partials and the record page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def hits(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/search/record/[^"]+/">([^<]+)</a>', html)


def test_the_search_page_is_chinese_first_and_offers_advanced_fields(client):
    html = client.get("/search/").content.decode()
    assert '<html lang="zh-hans">' in html
    for name in ("q", "title", "author", "subject", "isbn", "publisher", "clc", "year_from", "year_to"):
        assert f'name="{name}"' in html
    assert 'id="results"' in html


def test_it_finds_a_chinese_title_and_shows_where_it_is_held(client, indexed):
    html = client.get("/search/", {"q": "红楼梦"}).content.decode()
    assert hits(html) == ["红楼梦"]
    assert "BETA" in html  # the holding library


def test_facets_are_links_that_narrow_the_results(client, indexed):
    html = client.get("/search/", {"q": "人民文学出版社"}).content.decode()
    assert len(hits(html)) == 4
    link = re.search(r'<a href="(\?[^"]*library=alpha[^"]*)"', html)
    assert link, "a library facet link"
    narrowed = client.get("/search/" + link.group(1).replace("&amp;", "&")).content.decode()
    assert sorted(hits(narrowed)) == sorted(["西游记", "三国演义", "水浒传"])
    assert 'aria-current="true"' in narrowed
    # the facet labels are names, not codes
    assert "Literature" in html or "文学" in html
    assert "东区" in html


def test_available_now_and_year_filters(client, indexed):
    html = client.get("/search/", {"publisher": "人民文学出版社", "available": "true"}).content.decode()
    assert sorted(hits(html)) == sorted(["西游记", "三国演义", "水浒传"])  # 红楼梦 is only out at beta
    html = client.get(
        "/search/", {"q": "人民文学出版社", "year_from": "1980", "year_to": "1985"}
    ).content.decode()
    assert sorted(hits(html)) == ["红楼梦", "西游记"]


def test_sort_and_paging(client, indexed, monkeypatch):
    from search.web import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = client.get("/search/", {"q": "人民文学出版社", "sort": "year_asc"}).content.decode()
    assert hits(first) == ["水浒传", "西游记"]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/search/", {"q": "人民文学出版社", "sort": "year_asc", "page": "2"}).content.decode()
    assert hits(second) == ["红楼梦", "三国演义"]
    assert 'rel="prev"' in second


def test_htmx_requests_get_only_the_results_fragment(client, indexed):
    response = client.get("/search/", {"q": "西游记"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    assert "西游记" in html


def test_a_bad_query_shows_a_message_not_an_error_page(client, indexed):
    response = client.get("/search/", {"q": "(红楼梦"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_the_record_page_lists_holdings_per_library(client, indexed):
    html = client.get("/search/record/U0003/").content.decode()
    assert "三国演义" in html and "罗贯中" in html and "9787020008728" in html
    rows = re.findall(r'<tr class="holding" data-library="(\w+)">(.*?)</tr>', html, re.S)
    assert [code for code, _row in rows] == ["alpha", "beta"]  # lendable first
    alpha, beta = rows[0][1], rows[1][1]
    assert "I242.43/3" in alpha
    assert 'class="available">1 / 2' in alpha and 'class="out">1' in alpha
    assert 'class="available">0 / 2' in beta
    assert "badge ok" in alpha and "badge ok" not in beta


def test_a_reference_only_holding_is_marked(client, indexed):
    html = client.get("/search/record/U0009/").content.decode()
    assert 'class="available">1 / 1' in html
    assert (
        "Reference only" in html
        or "仅供阅览" in html
        or "馆内" in html
        or 'class="status"><span class="badge">' in html
    )


def test_an_unknown_record_is_404(client, db):
    assert client.get("/search/record/NOPE/").status_code == 404


def test_a_record_page_shows_the_actions_a_higher_layer_offers(client, indexed, make_user):
    """The catalogue knows nothing above it: an app registers a provider, the page shows its links."""
    from search.web import record_actions

    def provider(request, record):
        if not request.user.is_authenticated:
            return []
        return [("Ask for it", f"/elsewhere/{record.urid}/")]

    html = client.get("/search/record/U0001/").content.decode()
    assert "opac-action" not in html
    record_actions.register(provider)
    try:
        assert 'href="/elsewhere/U0001/"' not in client.get("/search/record/U0001/").content.decode()
        client.force_login(make_user("reader1"))
        assert 'href="/elsewhere/U0001/"' in client.get("/search/record/U0001/").content.decode()
    finally:
        record_actions.unregister(provider)


def test_a_failing_action_provider_leaves_the_record_page_whole(client, indexed):
    from search.web import record_actions

    def broken(request, record):
        raise RuntimeError("boom")

    record_actions.register(broken)
    try:
        assert client.get("/search/record/U0001/").status_code == 200
    finally:
        record_actions.unregister(broken)


def test_the_search_box_suggests_titles_by_pinyin_and_characters(client, indexed):
    html = client.get("/search/suggest/", {"q": "xiyou"}).content.decode()
    assert '<option value="西游记">' in html
    html = client.get("/search/suggest/", {"q": "红楼"}).content.decode()
    assert '<option value="红楼梦">' in html
    assert client.get("/search/suggest/", {"q": ""}).content.decode().strip() == ""
    page = client.get("/search/").content.decode()
    assert 'hx-get="/search/suggest/"' in page and 'list="opac-suggestions"' in page


def test_a_library_with_two_local_records_of_one_edition_is_listed_once():
    from types import SimpleNamespace

    from search.web.views import _holding_rows

    lib = SimpleNamespace(name="甲馆")
    rows = _holding_rows([
        SimpleNamespace(library_id=1, library=lib, call_number="F124/1", items_total=2, items_available=1, items_loanable=1),
        SimpleNamespace(library_id=1, library=lib, call_number="F124/2", items_total=1, items_available=0, items_loanable=0),
    ])
    assert len(rows) == 1
    assert rows[0]["total"] == 3 and rows[0]["available"] == 1 and rows[0]["out"] == 2
    assert rows[0]["call_number"] == "F124/1; F124/2"
