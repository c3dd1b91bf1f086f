"""The export API and the staff export page download the same records for the same filter, and
refuse the same filters."""

from __future__ import annotations

import pytest

from union.models import UnionHolding


@pytest.fixture
def catalogue(library_a, library_b, make_instance, synced):
    red = make_instance(library_a, title="红楼梦", authors=["曹雪芹"], isbns=["9787503717444"], year=2008)
    make_instance(library_b, title="红楼梦", authors=["曹雪芹"], isbns=["7-5037-1744-0"], year=2008)
    make_instance(library_b, title="三国演义", authors=["罗贯中"], publisher="中华书局", year=2005)
    make_instance(library_b, title="中国历史地图集", authors=["谭其骧"], material_type="map", year=1996)
    synced()
    return UnionHolding.objects.get(library=library_a, instance_id=red.pk).union_record


FILTERS = [
    {},
    {"marc": "cnmarc", "syntax": "marcxml"},
    {"q": "红楼"},
    {"library": "alpha"},
    {"region": "east", "syntax": "marcxml"},
    {"region": "demo_prov", "material_type": "map", "marc": "cnmarc"},
    {"updated_since": "2000-01-01T00:00"},
    {"updated_since": "2100-01-01T00:00"},
]


def test_the_same_filter_downloads_the_same_file_from_the_api_and_the_page(api_as, client, student_a, catalogue):
    api = api_as(student_a)
    client.force_login(student_a)
    sizes = []
    for params in FILTERS:
        # The page shows its form when asked nothing; the API exports everything.
        page_params = params or {"marc": "marc21"}
        from_api, from_page = api.get("/api/v1/union/export/", params), client.get("/union/export/", page_params)
        assert from_api.status_code == from_page.status_code == 200, params
        assert from_api["Content-Type"] == from_page["Content-Type"], params
        assert from_api["Content-Disposition"] == from_page["Content-Disposition"], params
        body = b"".join(from_api.streaming_content)
        assert body == b"".join(from_page.streaming_content), params
        sizes.append(body.count(b"\x1d") or body.count(b"<record>"))
    assert sizes == [3, 3, 1, 1, 1, 1, 3, 0]


@pytest.mark.parametrize(
    ("params", "api_status"),
    [
        ({"marc": "dublin"}, 400),
        ({"syntax": "json"}, 400),
        ({"library": "nowhere"}, 404),
        ({"region": "atlantis"}, 404),
        ({"updated_since": "yesterday"}, 400),
        ({"updated_since": "2024-13-45T00:00"}, 400),
    ],
)
def test_a_filter_naming_nothing_known_is_refused_on_both(api_as, client, student_a, catalogue, params, api_status):
    answer = api_as(student_a).get("/api/v1/union/export/", params)
    assert answer.status_code == api_status
    client.force_login(student_a)
    page = client.get("/union/export/", params)
    assert page.status_code == 400
    assert page.context["error"] == answer.json()["detail"]
    assert 'role="alert"' in page.content.decode()
