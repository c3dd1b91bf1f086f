"""The API and the staff pages refuse and allow the same coordinator actions: a coordinator acts
only on records and reviews inside the regions they coordinate."""

from __future__ import annotations

import pytest

from tenants.models import Role
from union.models import ClusterDecision, MatchReview, UnionHolding


@pytest.fixture
def coordinator_east(make_user, district_a):
    return make_user("coord_east", Role.COORDINATOR, region=district_a)


@pytest.fixture
def records(library_a, library_b, make_instance, synced):
    """Two records held only in the east (alpha) and two held only in the west (beta)."""
    made = {
        "east": (library_a, make_instance(library_a, title="西游记", authors=["吴承恩"], isbns=["9787020008735"])),
        "east_other": (library_a, make_instance(library_a, title="水浒传", authors=["施耐庵"],
                                                isbns=["9787020015016"])),
        "west": (library_b, make_instance(library_b, title="红楼梦", authors=["曹雪芹"], isbns=["9787020002207"])),
        "west_other": (library_b, make_instance(library_b, title="三国演义", authors=["罗贯中"],
                                                isbns=["9787020008728"])),
    }
    synced()
    return {key: UnionHolding.objects.get(library=library, instance_id=instance.pk)
            for key, (library, instance) in made.items()}


def _review(here, there) -> MatchReview:
    return MatchReview.objects.create(
        library_id=here.library_id, instance_id=here.instance_id, union_record=here.union_record,
        candidate=there.union_record, candidate_library_id=there.library_id, candidate_instance_id=there.instance_id,
        score=0.7)


def _api_refusals(api, holding, other) -> list[int]:
    urid, ref = holding.union_record.urid, {"library": holding.library.code, "instance_id": holding.instance_id}
    return [
        api.post(f"/api/v1/union/records/{urid}/split/", {"members": [ref]}, format="json").status_code,
        api.post(f"/api/v1/union/records/{urid}/pin/", ref, format="json").status_code,
        api.delete(f"/api/v1/union/records/{urid}/pin/").status_code,
        api.post(f"/api/v1/union/records/{urid}/merge/", {"other": other.union_record.urid},
                 format="json").status_code,
        # Merging it into a record of one's own region changes it too.
        api.post(f"/api/v1/union/records/{other.union_record.urid}/merge/", {"other": urid},
                 format="json").status_code,
    ]


def _web_refusals(client, holding, other) -> list[int]:
    urid, member = holding.union_record.urid, f"{holding.library_id}:{holding.instance_id}"
    return [
        client.post(f"/union/r/{urid}/split/", {"member": member}).status_code,
        client.post(f"/union/r/{urid}/pin/", {"member": member}).status_code,
        client.post(f"/union/r/{urid}/unpin/").status_code,
        client.post(f"/union/r/{urid}/merge/", {"other": other.union_record.urid}).status_code,
        client.post(f"/union/r/{other.union_record.urid}/merge/", {"other": urid}).status_code,
    ]


def test_a_district_coordinator_is_refused_on_a_record_held_only_in_another_region(
        api_as, client, coordinator_east, records):
    west, east = records["west"], records["east"]
    assert _api_refusals(api_as(coordinator_east), west, east) == [403] * 5
    client.force_login(coordinator_east)
    assert _web_refusals(client, west, east) == [403] * 5
    assert not ClusterDecision.objects.exists()
    west.refresh_from_db()
    assert not west.union_record.deleted and not west.union_record.master_pinned
    # The record page offers no cluster care to them either.
    page = client.get(f"/union/r/{west.union_record.urid}/").content.decode()
    assert f"/union/r/{west.union_record.urid}/pin/" not in page


def test_a_district_coordinator_cares_for_records_of_their_own_region_on_both(
        api_as, client, coordinator_east, records):
    east = records["east"]
    urid, ref = east.union_record.urid, {"library": "alpha", "instance_id": east.instance_id}
    api = api_as(coordinator_east)
    assert api.post(f"/api/v1/union/records/{urid}/pin/", ref, format="json").status_code == 200
    assert api.delete(f"/api/v1/union/records/{urid}/pin/").status_code == 200
    client.force_login(coordinator_east)
    assert f"/union/r/{urid}/pin/" in client.get(f"/union/r/{urid}/").content.decode()
    response = client.post(f"/union/r/{urid}/pin/", {"member": f"{east.library_id}:{east.instance_id}"})
    assert response.status_code == 302
    east.union_record.refresh_from_db()
    assert east.union_record.master_pinned


def test_a_coordinator_of_the_whole_consortium_acts_everywhere(api_as, client, coordinator, records):
    west = records["west"]
    assert api_as(coordinator).delete(f"/api/v1/union/records/{west.union_record.urid}/pin/").status_code == 200
    client.force_login(coordinator)
    assert client.post(f"/union/r/{west.union_record.urid}/unpin/").status_code == 302


def test_reviews_are_listed_and_resolved_only_inside_the_coordinators_region(
        api_as, client, coordinator_east, coordinator, records):
    east_for_api = _review(records["east"], records["east_other"])
    east_for_web = _review(records["east_other"], records["east"])
    west = _review(records["west"], records["west_other"])
    across = _review(records["east"], records["west"])
    api = api_as(coordinator_east)
    client.force_login(coordinator_east)

    listed = {r["id"] for r in api.get("/api/v1/union/reviews/").json()["results"]}
    shown = {r.pk for r in client.get("/union/review/").context["page"]}
    assert listed == shown == {east_for_api.pk, east_for_web.pk}

    for review in (west, across):
        assert api.post(f"/api/v1/union/reviews/{review.pk}/resolve/", {"action": "apart"},
                        format="json").status_code == 403
        assert client.post("/union/review/", {"review": review.pk, "action": "apart"}).status_code == 403
        review.refresh_from_db()
        assert review.status == MatchReview.Status.OPEN

    assert api.post(f"/api/v1/union/reviews/{east_for_api.pk}/resolve/", {"action": "apart"},
                    format="json").status_code == 200
    assert client.post("/union/review/", {"review": east_for_web.pk, "action": "apart"}).status_code == 302
    assert set(MatchReview.objects.filter(status=MatchReview.Status.KEPT_APART).values_list("pk", flat=True)) == {
        east_for_api.pk, east_for_web.pk}

    # The consortium's coordinator sees and may resolve the rest.
    everything = {r["id"] for r in api_as(coordinator).get("/api/v1/union/reviews/").json()["results"]}
    assert everything == {west.pk, across.pk}
