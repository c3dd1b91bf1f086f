"""Staff web pages of the union catalogue: search, record with holdings and history, shared
cataloguing forms, cluster care, review queue, quality and export, with permissions."""

from __future__ import annotations

import pytest

from tests.union.conftest import assert_union_clean
from union.models import MatchReview, Proposal, UnionHolding

RED = {"title": "红楼梦", "authors": ["曹雪芹"], "publisher": "人民文学出版社", "year": 2008}


@pytest.fixture
def record(library_a, library_b, make_instance, synced):
    a = make_instance(library_a, isbns=["9787503717444"], items=1, call_number="I242.4/1", extent="2册", **RED)
    make_instance(library_b, isbns=["7-5037-1744-0"], **RED)
    synced()
    return UnionHolding.objects.get(library=library_a, instance_id=a.pk).union_record


def test_pages_need_a_member_login(client, make_user, record):
    assert client.get("/union/").status_code == 302
    client.force_login(make_user("outsider"))
    assert client.get("/union/").status_code == 403
    assert client.get(f"/union/r/{record.urid}/").status_code == 403


def test_a_reader_searches_and_sees_holdings_and_why(client, student_a, record):
    client.force_login(student_a)
    page = client.get("/union/", {"q": "紅樓"}).content.decode()
    assert record.urid in page
    detail = client.get(f"/union/r/{record.urid}/").content.decode()
    assert "I242.4/1" in detail and "isbn:9787503717444" in detail
    assert "Copy into my catalogue" not in detail and "复制" not in detail  # readers do not catalogue
    assert 'action="/union/r/' + record.urid + '/propose/"' not in detail


def test_a_cataloguer_copies_and_proposes_through_the_web(client, cataloguer_b, make_user, library_a, record, synced):
    from tenants.models import Role

    client.force_login(cataloguer_b)
    detail = client.get(f"/union/r/{record.urid}/").content.decode()
    assert f'action="/union/r/{record.urid}/propose/"' in detail
    copy = client.post(f"/union/r/{record.urid}/copy/", {"library": "beta"}, follow=True)
    assert "beta" in copy.content.decode().lower()  # already holds it: the message says so
    client.post(f"/union/r/{record.urid}/propose/", {
        "library": "beta", "title": record.title, "publisher": record.publisher, "place": "北京",
        "year": "2008", "extent": record.extent, "clc": "", "subjects": "", "summary": "", "comment": "地点"})
    proposal = Proposal.objects.get()
    assert proposal.changes == {"place": ["", "北京"]}
    owner = make_user("cat_owner", Role.CATALOGUER, library=library_a)
    client.force_login(owner)
    client.post(f"/union/r/{record.urid}/accept/", {"proposal": proposal.pk})
    record.refresh_from_db()
    assert record.place == "北京"
    versions = list(record.versions.order_by("version").values_list("version", flat=True))
    compare = client.get(f"/union/r/{record.urid}/compare/", {"a": versions[0], "b": versions[-1]})
    assert "北京" in compare.content.decode()
    synced()
    assert_union_clean()


def test_a_lock_shows_a_clear_message_to_others(client, cataloguer_a, cataloguer_b, record):
    client.force_login(cataloguer_a)
    client.post(f"/union/r/{record.urid}/lock/", {"library": "alpha"})
    client.force_login(cataloguer_b)
    response = client.post(f"/union/r/{record.urid}/lock/", {"library": "beta"}, follow=True)
    assert "cat_a" in response.content.decode()


def test_coordinators_split_review_and_see_quality(client, coordinator, cataloguer_a, library_b, record):
    client.force_login(cataloguer_a)
    assert client.get("/union/review/").status_code == 403
    assert client.post(f"/union/r/{record.urid}/split/", {"member": "1:1"}).status_code == 403
    client.force_login(coordinator)
    holding_b = record.holdings.get(library=library_b)
    response = client.post(f"/union/r/{record.urid}/split/", {"member": f"{library_b.pk}:{holding_b.instance_id}"})
    assert response.status_code == 302
    holding_b.refresh_from_db()
    assert holding_b.union_record != record
    assert client.get("/union/review/").status_code == 200
    assert not MatchReview.objects.filter(status="open").exists()
    quality = client.get("/union/quality/").content.decode()
    assert "ALPHA" in quality and "BETA" in quality
    assert_union_clean()


def test_export_page_downloads_marcxml(client, student_a, record):
    client.force_login(student_a)
    assert client.get("/union/export/").status_code == 200
    response = client.get("/union/export/", {"marc": "cnmarc", "syntax": "marcxml"})
    body = b"".join(response.streaming_content)
    assert record.urid.encode() in body
