"""A district coordinator changes union records and resolves reviews only inside their district.

East has alpha and the college, west has beta and gamma. Each district holds one shared record
(two copies clustered, the master in that district) and one uncertain pair waiting in the
review queue. The coordinator of the east acts on the east's and is refused the west's; the
province's coordinator acts on both. A record held in both districts is the province's to care
for, and so are the consortium-wide settings (the policy, identifiers marked wrong).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tenants.models import Role
from tests.builders import create_instance, sync, union_record_of, update_instance
from tests.union.conftest import assert_union_clean
from union.models import ConsortiumPolicy, MatchReview, Proposal, UnionRecord, WrongMatchKey

API = "/api/v1/union"

@pytest.fixture
def gamma(make_library, district_b):
    return make_library("gamma", region=district_b, kind="high")


@pytest.fixture
def east_coordinator(make_user, district_a):
    return make_user("east_coord", Role.COORDINATOR, region=district_a)


@pytest.fixture
def districts(library_a, college, library_b, gamma):
    """Per district: a shared record, a record of one library, and an open review."""
    made = {}
    for district, (first, second), (title, author, publisher, isbn), (solo_title, solo_isbn), review_title in (
        ("east", (library_a, college), ("三国演义", "罗贯中", "人民文学出版社", "9787020008728"),
         ("西游记", "9787020008735"), "水浒传"),
        ("west", (library_b, gamma), ("红楼梦", "曹雪芹", "人民文学出版社", "9787020002207"),
         ("高等数学", "9787040396638"), "儒林外史"),
    ):
        shared = [create_instance(lib, title=title, authors=[author], publisher=publisher, year=1990,
                                  isbns=[isbn], items=1) for lib in (first, second)]
        solo = create_instance(first, title=solo_title, authors=["某人"], year=2000, isbns=[solo_isbn])
        uncertain = (
            create_instance(first, title=f"{review_title} (校注本)", authors=["施某"], publisher="人民文学出版社",
                            year=2008),
            create_instance(second, title=review_title, authors=["施某"], publisher="", year=2008),
        )
        sync()
        record = union_record_of(first, shared[0])
        assert union_record_of(second, shared[1]) == record
        assert record.master_library.region.code == district
        review = MatchReview.objects.get(status="open", library__in=[first, second],
                                         candidate_library__in=[first, second])
        made[district] = {"record": record, "members": (first, second), "instances": shared,
                          "solo": union_record_of(first, solo), "review": review, "uncertain": uncertain}
    return made


def test_the_district_coordinator_pins_and_splits_records_of_their_district(api_as, east_coordinator, districts):
    east = districts["east"]
    record, (alpha, _college), (a, _c) = east["record"], east["members"], east["instances"]
    client = api_as(east_coordinator)
    pinned = client.post(f"{API}/records/{record.urid}/pin/", {"library": alpha.code, "instance_id": a.pk},
                         format="json")
    assert pinned.status_code == 200 and pinned.json()["master_pinned"]
    split = client.post(f"{API}/records/{record.urid}/split/",
                        {"members": [{"library": alpha.code, "instance_id": a.pk}]}, format="json")
    assert split.status_code == 201
    assert union_record_of(alpha, a).urid == split.json()["new_urid"]
    assert_union_clean()


def test_the_district_coordinator_is_refused_the_records_of_another_district(api_as, east_coordinator, districts):
    west = districts["west"]
    record, (beta, _gamma), (b, _g) = west["record"], west["members"], west["instances"]
    before = UnionRecord.objects.get(pk=record.pk)
    client = api_as(east_coordinator)
    attempts = {
        "pin": client.post(f"{API}/records/{record.urid}/pin/", {"library": beta.code, "instance_id": b.pk},
                           format="json"),
        "unpin": client.delete(f"{API}/records/{record.urid}/pin/"),
        "split": client.post(f"{API}/records/{record.urid}/split/",
                             {"members": [{"library": beta.code, "instance_id": b.pk}]}, format="json"),
        "merge": client.post(f"{API}/records/{record.urid}/merge/", {"other": west["solo"].urid}, format="json"),
    }
    assert {action: r.status_code for action, r in attempts.items()} == dict.fromkeys(attempts, 403)
    after = UnionRecord.objects.get(pk=record.pk)
    assert (after.version, after.master_pinned, after.deleted) == (before.version, before.master_pinned, False)
    assert union_record_of(beta, b) == record
    assert not UnionRecord.objects.get(pk=west["solo"].pk).deleted


def test_the_district_coordinator_decides_proposals_of_their_district_only(
        api_as, make_user, east_coordinator, districts, library_a, library_b):
    for district, library, expected in (("east", library_a, 200), ("west", library_b, 403)):
        cataloguer = make_user(f"cat_{district}", Role.CATALOGUER, library=library)
        record = districts[district]["record"]
        proposed = api_as(cataloguer).post(f"{API}/records/{record.urid}/proposals/",
                                           {"library": library.code, "changes": {"place": "北京"}}, format="json")
        assert proposed.status_code == 201, proposed.content
        decided = api_as(east_coordinator).post(f"{API}/proposals/{proposed.json()['id']}/accept/")
        assert decided.status_code == expected, (district, decided.content)
        assert Proposal.objects.get(pk=proposed.json()["id"]).status == ("accepted" if expected == 200 else "pending")


def test_the_district_coordinator_restores_versions_of_their_district_only(api_as, east_coordinator, districts):
    client = api_as(east_coordinator)
    for district, expected in (("east", 200), ("west", 403)):
        record = districts[district]["record"]
        title = record.title
        first = record.versions.order_by("version").first().version
        # A new title in the master's own catalogue makes a newer version.
        update_instance(record.master_library, SimpleNamespace(pk=record.master_instance_id), title=f"{title}（新版）")
        sync()
        response = client.post(f"{API}/records/{record.urid}/versions/{first}/restore/")
        assert response.status_code == expected, (district, response.content)
        restored = UnionRecord.objects.get(pk=record.pk).title == title
        assert restored is (expected == 200), district


def test_the_district_coordinator_cannot_merge_a_record_of_another_district_into_theirs(
        api_as, east_coordinator, districts):
    east, west = districts["east"], districts["west"]
    response = api_as(east_coordinator).post(f"{API}/records/{east['record'].urid}/merge/",
                                             {"other": west["record"].urid}, format="json")
    assert response.status_code == 403
    assert not UnionRecord.objects.get(pk=west["record"].pk).deleted


def test_the_district_coordinator_sees_only_the_reviews_of_their_district(api_as, east_coordinator, districts):
    body = api_as(east_coordinator).get(f"{API}/reviews/").json()
    assert [row["id"] for row in body["results"]] == [districts["east"]["review"].pk]


def test_the_district_coordinator_cannot_resolve_a_review_of_another_district(api_as, east_coordinator, districts):
    review = districts["west"]["review"]
    response = api_as(east_coordinator).post(f"{API}/reviews/{review.pk}/resolve/", {"action": "merge"},
                                             format="json")
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "open"


def test_the_district_coordinator_resolves_the_reviews_of_their_district(api_as, east_coordinator, districts):
    east = districts["east"]
    (alpha, college), (x, y) = east["members"], east["uncertain"]
    response = api_as(east_coordinator).post(f"{API}/reviews/{east['review'].pk}/resolve/", {"action": "merge"},
                                             format="json")
    assert response.status_code == 200
    assert union_record_of(alpha, x) == union_record_of(college, y)


def test_the_province_coordinator_acts_in_every_district(api_as, coordinator, districts):
    client = api_as(coordinator)
    for district in ("east", "west"):
        review = districts[district]["review"]
        assert client.post(f"{API}/reviews/{review.pk}/resolve/", {"action": "apart"},
                           format="json").status_code == 200
        record, (library, _), (instance, _) = (districts[district]["record"], districts[district]["members"],
                                               districts[district]["instances"])
        assert client.post(f"{API}/records/{record.urid}/pin/", {"library": library.code, "instance_id": instance.pk},
                           format="json").status_code == 200
    assert_union_clean()


def test_the_district_coordinator_cannot_mark_a_key_wrong_for_records_of_another_district(
        api_as, east_coordinator, library_b, gamma):
    joined_by_isbn = (
        create_instance(library_b, title="红楼梦", authors=["曹雪芹"], publisher="人民文学出版社", year=2008,
                        isbns=["9787503717444"]),
        create_instance(gamma, title="红楼梦诗词鉴赏", authors=["曹雪芹"], publisher="人民文学出版社", year=2008,
                        isbns=["9787503717444"]),
    )
    sync()
    record = union_record_of(library_b, joined_by_isbn[0])
    assert union_record_of(gamma, joined_by_isbn[1]) == record
    response = api_as(east_coordinator).post(f"{API}/wrong-keys/", {"key": "isbn:9787503717444"}, format="json")
    assert response.status_code == 403
    assert union_record_of(gamma, joined_by_isbn[1]) == record


def test_only_the_province_coordinator_marks_a_key_wrong(api_as, east_coordinator, coordinator, library_a, college):
    # Even a key carried only by the east's records: the list of wrong keys guides all future matching.
    pair = [create_instance(lib, title="三国演义", authors=["罗贯中"], year=2008, isbns=["9787503717444"])
            for lib in (library_a, college)]
    sync()
    assert union_record_of(library_a, pair[0]) == union_record_of(college, pair[1])
    refused = api_as(east_coordinator).post(f"{API}/wrong-keys/", {"key": "isbn:9787503717444"}, format="json")
    assert refused.status_code == 403
    assert not WrongMatchKey.objects.exists()
    marked = api_as(coordinator).post(f"{API}/wrong-keys/", {"key": "isbn:9787503717444"}, format="json")
    assert marked.status_code == 200 and marked.json()["records_replaced"] == 2
    assert WrongMatchKey.objects.filter(key="isbn:9787503717444").exists()


def test_a_district_coordinator_cannot_change_the_consortium_policy(api_as, east_coordinator, coordinator, library_a):
    before = ConsortiumPolicy.current()
    refused = api_as(east_coordinator).put(f"{API}/policy/", {"proposal_approval": "coordinator", "lock_minutes": 5},
                                           format="json")
    assert refused.status_code == 403
    after = ConsortiumPolicy.current()
    assert (after.proposal_approval, after.lock_minutes) == (before.proposal_approval, before.lock_minutes)
    # Reading it is open to them, as to every union reader.
    assert api_as(east_coordinator).get(f"{API}/policy/").status_code == 200
    changed = api_as(coordinator).put(f"{API}/policy/", {"proposal_approval": "coordinator", "lock_minutes": 5},
                                      format="json")
    assert changed.status_code == 200
    assert ConsortiumPolicy.current().lock_minutes == 5


@pytest.fixture
def across(library_a, library_b):
    """A record mastered in the east (alpha) and also held in the west (beta)."""
    instances = [create_instance(lib, title="儒林外史", authors=["吴敬梓"], publisher="人民文学出版社", year=1995,
                                 isbns=["9787020016563"], items=1) for lib in (library_a, library_b)]
    sync()
    record = union_record_of(library_a, instances[0])
    assert union_record_of(library_b, instances[1]) == record
    assert record.master_library == library_a
    return record, instances


def test_a_record_held_in_another_district_is_not_the_district_coordinators_alone(
        api_as, client, east_coordinator, across, library_a, library_b):
    record, (a, b) = across
    api = api_as(east_coordinator)
    attempts = {
        "pin": api.post(f"{API}/records/{record.urid}/pin/", {"library": "alpha", "instance_id": a.pk},
                        format="json").status_code,
        "split": api.post(f"{API}/records/{record.urid}/split/",
                          {"members": [{"library": "beta", "instance_id": b.pk}]}, format="json").status_code,
    }
    client.force_login(east_coordinator)
    attempts["web split"] = client.post(f"/union/r/{record.urid}/split/",
                                        {"member": f"{library_b.pk}:{b.pk}"}).status_code
    assert attempts == dict.fromkeys(attempts, 403)
    assert union_record_of(library_b, b) == record
    assert not UnionRecord.objects.get(pk=record.pk).master_pinned


def test_the_province_coordinator_splits_a_record_held_in_both_districts(api_as, coordinator, across):
    record, (_a, b) = across
    response = api_as(coordinator).post(f"{API}/records/{record.urid}/split/",
                                        {"members": [{"library": "beta", "instance_id": b.pk}]}, format="json")
    assert response.status_code == 201


def test_a_review_merge_that_would_join_another_districts_library_is_refused(
        api_as, east_coordinator, across, library_a, college):
    """The review's two records are both in the east, but the merge would also pull in beta's copy."""
    record, _ = across
    east_only = create_instance(college, title="儒林外史 (插图本)", authors=["吴敬梓"], year=1995)
    sync()
    other = union_record_of(college, east_only)
    assert other != record
    # The sync queued the uncertain pair itself (college's copy against alpha's master).
    review = MatchReview.objects.get(status="open", library=college, instance_id=east_only.pk,
                                     candidate_library=library_a)
    response = api_as(east_coordinator).post(f"{API}/reviews/{review.pk}/resolve/", {"action": "merge"},
                                             format="json")
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "open"
    assert union_record_of(college, east_only) == other
    # Keeping the two east records apart touches only east libraries.
    kept = api_as(east_coordinator).post(f"{API}/reviews/{review.pk}/resolve/", {"action": "apart"}, format="json")
    assert kept.status_code == 200
