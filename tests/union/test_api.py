"""The union catalogue API: viewing, explaining, copy cataloguing, proposals with history and
locks, cluster care, export and quality, each with its permissions."""

from __future__ import annotations

import pymarc
import pytest
from django_tenants.utils import tenant_context

from tenants.models import Role
from tests.union.conftest import assert_union_clean
from union.models import ConsortiumPolicy, UnionHolding, UnionRecord
from union.services.export import validate_marcxml

RED = {"title": "红楼梦", "authors": ["曹雪芹"], "publisher": "人民文学出版社", "year": 2008, "clc": ["I242.4"]}


@pytest.fixture
def shared(library_a, library_b, make_instance, synced):
    a = make_instance(library_a, isbns=["9787503717444"], items=2, call_number="I242.4/1", extent="2册", **RED)
    b = make_instance(library_b, isbns=["7-5037-1744-0"], **dict(RED, title="紅樓夢"))
    solo = make_instance(library_b, title="三国演义", authors=["罗贯中"], publisher="中华书局", year=2005)
    synced()
    record = UnionHolding.objects.get(library=library_a, instance_id=a.pk).union_record
    return record, a, b, solo


def test_anyone_outside_the_consortium_sees_nothing(api, make_user, shared):
    assert api.get("/api/v1/union/records/").status_code in (401, 403)
    outsider = make_user("nobody")
    api.force_authenticate(outsider)
    assert api.get("/api/v1/union/records/").status_code == 403


def test_readers_of_any_member_find_records_and_see_why_they_are_one(api_as, make_user, library_b, shared):
    record, a, b, solo = shared
    reader = make_user("reader_b", Role.STUDENT, library=library_b)
    api = api_as(reader)
    found = api.get("/api/v1/union/records/", {"q": "红楼"}).json()
    assert [r["urid"] for r in found["results"]] == [record.urid]
    assert found["results"][0]["libraries"] == 2
    assert api.get("/api/v1/union/records/", {"isbn": "7-5037-1744-0"}).json()["count"] == 1
    detail = api.get(f"/api/v1/union/records/{record.urid}/").json()
    assert {h["library"] for h in detail["holdings"]} == {"alpha", "beta"}
    why = api.get(f"/api/v1/union/records/{record.urid}/why/").json()
    assert "isbn:9787503717444" in why["match_keys"]
    other = next(m for m in why["members"] if not m["master"])
    assert other["against_master"]["keys"] == ["isbn:9787503717444"]
    assert api.get("/api/v1/union/records/u999999999/").status_code == 404
    assert api.get("/api/v1/union/records/", {"year": "abc"}).status_code == 400


def test_a_cataloguer_copies_a_record_and_adds_items(api_as, cataloguer_a, library_a, make_instance, library_b,
                                                     synced, shared, student_a):
    record, a, b, solo = shared
    solo_record = UnionHolding.objects.get(library=library_b, instance_id=solo.pk).union_record
    assert api_as(student_a).post(f"/api/v1/union/records/{solo_record.urid}/copy/",
                                  {"library": "alpha"}, format="json").status_code == 403
    api = api_as(cataloguer_a)
    response = api.post(f"/api/v1/union/records/{solo_record.urid}/copy/", {"library": "alpha"}, format="json")
    assert response.status_code == 201, response.json()
    instance_id = response.json()["instance_id"]
    item = api.post(f"/api/v1/union/members/alpha/{instance_id}/items/",
                    {"barcode": "A0001", "call_number": "I242.4/9"}, format="json")
    assert item.status_code == 201, item.json()
    synced()
    holding = UnionHolding.objects.get(library=library_a, instance_id=instance_id)
    assert holding.union_record == solo_record  # the copy joins the record it came from
    assert (holding.items_total, holding.call_number) == (1, "I242.4/9")
    # Copying again, or adding an item to another library's record, is refused clearly.
    assert api.post(f"/api/v1/union/records/{solo_record.urid}/copy/", {"library": "alpha"},
                    format="json").status_code == 409
    assert api.post(f"/api/v1/union/members/beta/{solo.pk}/items/", {"barcode": "B1"},
                    format="json").status_code == 403
    assert api.post(f"/api/v1/union/members/alpha/{instance_id}/items/", {"barcode": "A0001"},
                    format="json").status_code == 409
    with tenant_context(library_a):
        from tenants.catalogue.models import Instance

        copy = Instance.objects.get(pk=instance_id)
        assert {"type": "union", "value": solo_record.urid} in copy.control_numbers
        assert pymarc.Record(data=bytes(copy.raw_record), force_utf8=True).title
    assert_union_clean()


def test_proposals_are_decided_by_the_owner_or_a_coordinator_and_every_version_is_kept(
        api_as, make_user, cataloguer_b, coordinator, library_a, library_b, shared, synced):
    record, a, b, solo = shared
    assert record.master_library == library_a  # same rank, the more complete record
    owner = make_user("cat_owner", Role.CATALOGUER, library=library_a)
    api = api_as(cataloguer_b)
    response = api.post(f"/api/v1/union/records/{record.urid}/proposals/",
                        {"library": "beta", "changes": {"summary": "清代长篇小说。", "subjects": ["章回小说"]},
                         "comment": "补充提要"}, format="json")
    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert proposal["changes"]["summary"] == ["", "清代长篇小说。"]
    assert api.post(f"/api/v1/union/records/{record.urid}/proposals/",
                    {"library": "beta", "changes": {"isbns": []}}, format="json").status_code == 400
    assert api.post(f"/api/v1/union/records/{record.urid}/proposals/",
                    {"library": "beta", "changes": {"year": "abc"}}, format="json").status_code == 400
    # The proposer's own library does not own the master: it cannot accept.
    assert api.post(f"/api/v1/union/proposals/{proposal['id']}/accept/").status_code == 403
    accepted = api_as(owner).post(f"/api/v1/union/proposals/{proposal['id']}/accept/")
    assert accepted.status_code == 200, accepted.json()
    record.refresh_from_db()
    assert record.summary == "清代长篇小说。" and record.subjects == ["章回小说"]
    # The stored MARC of the master record and the union record's MARC (served by export, SRU and
    # OAI-PMH) say the same.
    with tenant_context(library_a):
        a.refresh_from_db()
        stored = pymarc.Record(data=bytes(a.raw_record), force_utf8=True)
    assert stored["520"]["a"] == "清代长篇小说。" and stored["650"]["a"] == "章回小说"
    assert stored["245"]["a"] == RED["title"] and stored["100"]["a"] == "曹雪芹"  # the rest as it was
    union_marc = pymarc.Record(data=bytes(record.marc), force_utf8=True)
    assert union_marc["520"]["a"] == "清代长篇小说。"
    versions = api_as(cataloguer_b).get(f"/api/v1/union/records/{record.urid}/versions/").json()
    latest = versions[0]
    assert (latest["change_kind"], latest["changed_by"]) == ("proposal", "cat_owner")
    assert latest["changes"]["summary"] == ["", "清代长篇小说。"]
    first = versions[-1]["version"]
    diff = api_as(cataloguer_b).get(f"/api/v1/union/records/{record.urid}/versions/compare/",
                                    {"a": first, "b": latest["version"]}).json()
    assert set(diff["changes"]) == {"summary", "subjects"}
    # Restore the first version (a coordinator), recorded as a new version.
    restored = api_as(coordinator).post(f"/api/v1/union/records/{record.urid}/versions/{first}/restore/")
    assert restored.status_code == 200, restored.json()
    record.refresh_from_db()
    assert record.summary == "" and record.subjects == []
    assert pymarc.Record(data=bytes(record.marc), force_utf8=True).get("520") is None
    assert record.versions.order_by("-version").first().change_kind == "restore"
    synced()  # the outbox rows of these edits change nothing more
    assert_union_clean()


def test_policy_coordinator_only(api_as, make_user, cataloguer_b, coordinator, library_a, shared):
    record, *_ = shared
    ConsortiumPolicy.objects.create(proposal_approval="coordinator")
    owner = make_user("cat_owner", Role.CATALOGUER, library=library_a)
    proposal = api_as(cataloguer_b).post(f"/api/v1/union/records/{record.urid}/proposals/",
                                         {"library": "beta", "changes": {"place": "北京"}}, format="json").json()
    assert api_as(owner).post(f"/api/v1/union/proposals/{proposal['id']}/accept/").status_code == 403
    assert api_as(coordinator).post(f"/api/v1/union/proposals/{proposal['id']}/reject/",
                                    {"note": "no"}).json()["status"] == "rejected"
    assert api_as(coordinator).post(f"/api/v1/union/proposals/{proposal['id']}/accept/").status_code == 409


def test_a_record_being_edited_is_locked_for_others(api_as, cataloguer_a, cataloguer_b, shared):
    record, *_ = shared
    assert api_as(cataloguer_a).post(f"/api/v1/union/records/{record.urid}/lock/", {"library": "alpha"},
                                     format="json").status_code == 200
    other = api_as(cataloguer_b)
    locked = other.post(f"/api/v1/union/records/{record.urid}/lock/", {"library": "beta"}, format="json")
    assert locked.status_code == 409
    assert locked.json()["code"] == "locked" and "cat_a" in locked.json()["detail"]
    assert other.post(f"/api/v1/union/records/{record.urid}/proposals/",
                      {"library": "beta", "changes": {"place": "北京"}}, format="json").status_code == 409
    assert api_as(cataloguer_a).delete(f"/api/v1/union/records/{record.urid}/lock/").status_code == 204
    other = api_as(cataloguer_b)  # one test client: log in again
    assert other.post(f"/api/v1/union/records/{record.urid}/proposals/",
                      {"library": "beta", "changes": {"place": "北京"}}, format="json").status_code == 201


def test_only_coordinators_split_merge_pin_and_review(api_as, cataloguer_a, coordinator, library_a, library_b,
                                                      shared, synced):
    record, a, b, solo = shared
    solo_record = UnionHolding.objects.get(library=library_b, instance_id=solo.pk).union_record
    staff = api_as(cataloguer_a)
    split_body = {"members": [{"library": "beta", "instance_id": b.pk}]}
    assert staff.post(f"/api/v1/union/records/{record.urid}/split/", split_body, format="json").status_code == 403
    assert staff.post(f"/api/v1/union/records/{record.urid}/merge/", {"other": solo_record.urid},
                      format="json").status_code == 403
    assert staff.post(f"/api/v1/union/records/{record.urid}/pin/", {"library": "beta", "instance_id": b.pk},
                      format="json").status_code == 403
    assert staff.get("/api/v1/union/reviews/").status_code == 403
    coord = api_as(coordinator)
    pinned = coord.post(f"/api/v1/union/records/{record.urid}/pin/", {"library": "beta", "instance_id": b.pk},
                        format="json")
    assert pinned.status_code == 200 and pinned.json()["master_pinned"] and pinned.json()["title"] == "紅樓夢"
    split = coord.post(f"/api/v1/union/records/{record.urid}/split/", split_body, format="json")
    assert split.status_code == 201
    new_urid = split.json()["new_urid"]
    merged = coord.post(f"/api/v1/union/records/{record.urid}/merge/", {"other": new_urid}, format="json")
    assert merged.status_code == 200
    assert UnionRecord.objects.get(urid=new_urid).deleted
    assert coord.post(f"/api/v1/union/records/{record.urid}/split/", {"members": []},
                      format="json").status_code == 400
    assert coord.get("/api/v1/union/reviews/").status_code == 200
    assert_union_clean()


def test_export_as_marc21_and_cnmarc_in_iso2709_and_valid_marcxml(api_as, student_a, shared):
    record, *_ = shared
    api = api_as(student_a)
    for fmt in ("marc21", "cnmarc"):
        xml = api.get("/api/v1/union/export/", {"marc": fmt, "syntax": "marcxml"})
        assert xml.status_code == 200
        body = b"".join(xml.streaming_content)
        assert validate_marcxml(body) == []
        assert body.count(b"<record>") == 2
        raw = b"".join(api.get("/api/v1/union/export/", {"marc": fmt, "q": "红楼"}).streaming_content)
        records = list(pymarc.MARCReader(raw, to_unicode=True, force_utf8=True))
        assert len(records) == 1
        title_tag = "245" if fmt == "marc21" else "200"
        assert records[0].get(title_tag).get_subfields("a") == [record.title]
        assert records[0].get("001").data == record.urid
    filtered = b"".join(api.get("/api/v1/union/export/", {"library": "alpha"}).streaming_content)
    assert filtered.count(b"\x1d") == 1
    assert api.get("/api/v1/union/export/", {"marc": "dublin"}).status_code == 400


def test_quality_report_per_library(api_as, librarian_a, coordinator, student_a, shared):
    report = api_as(librarian_a).get("/api/v1/union/quality/alpha/").json()
    assert report["records"] == 1 and report["missing_isbn"] == 0.0 and report["contributed"] == 1
    everyone = api_as(coordinator).get("/api/v1/union/quality/").json()
    beta = next(r for r in everyone if r["library"] == "beta")
    assert beta["records"] == 2 and beta["missing_isbn"] == 0.5 and beta["missing_clc"] == 0.5
    assert api_as(student_a).get("/api/v1/union/quality/alpha/").status_code == 403
    assert api_as(librarian_a).get("/api/v1/union/quality/beta/").status_code == 403
