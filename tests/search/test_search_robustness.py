"""Whatever a reader types, the search API answers 200 or 400, never 500."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PIECES = [*"ab7X-'\\%_:()\"“”!&|.* 西游记紅樓\x00", "AND", "OR", "NOT", "isbn:", "clc:", "year:"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=15).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=TEXT, title=TEXT, year=TEXT)
def test_random_input_never_breaks_the_search_api(api, db, q, title, year):
    response = api.get("/api/v1/search/", {"q": q, "title": title, "year": year})
    assert response.status_code in (200, 400), response.content[:300]
    suggest = api.get("/api/v1/search/suggest/", {"q": q})
    assert suggest.status_code == 200


def test_nul_characters_and_huge_parameters_are_harmless(api, db):
    for params in ({"q": "西游\x00记"}, {"title": "\x00"}, {"author": "a\x00"}, {"q": "x" * 5000}):
        assert api.get("/api/v1/search/", params).status_code in (200, 400)
    assert api.get("/api/v1/search/suggest/", {"q": "西\x00"}).status_code == 200
