"""A request the user may not make is refused (403) before its input is read, so an outsider with
a malformed payload learns nothing from a 400, 404 or 409; and hostile form values on the staff
pages are answered as mistakes, never as server errors."""

from __future__ import annotations

import pytest

from tenants.models import Role
from tests.builders import create_instance, sync, union_record_of
from union.models import MatchReview, Proposal

API = "/api/v1/union"


@pytest.fixture
def beta_record(library_b):
    instance = create_instance(library_b, title="红楼梦", authors=["曹雪芹"], year=1990, isbns=["9787020002207"],
                               items=1)
    sync()
    return instance, union_record_of(library_b, instance)


def test_adding_an_item_to_another_librarys_record_is_refused_even_with_a_bad_payload(
        api_as, librarian_a, beta_record):
    instance, _ = beta_record
    response = api_as(librarian_a).post(f"{API}/members/beta/{instance.pk}/items/",
                                        {"barcode": "x" * 500, "reference_only": "perhaps"}, format="json")
    assert response.status_code == 403


def test_a_reader_proposing_with_a_bad_payload_is_refused(api_as, make_user, library_b, beta_record):
    _, record = beta_record
    reader = make_user("reader_b", Role.STUDENT, library=library_b)
    response = api_as(reader).post(f"{API}/records/{record.urid}/proposals/", {"changes": "nonsense"},
                                   format="json")
    assert response.status_code == 403


def test_an_outsider_deciding_a_decided_proposal_is_refused_not_told_it_is_decided(
        api_as, make_user, librarian_a, librarian_b, beta_record):
    _, record = beta_record
    cataloguer = make_user("cat_b", Role.CATALOGUER, library=library_of(librarian_b))
    proposed = api_as(cataloguer).post(f"{API}/records/{record.urid}/proposals/",
                                       {"library": "beta", "changes": {"place": "北京"}}, format="json")
    assert proposed.status_code == 201
    pk = proposed.json()["id"]
    assert api_as(librarian_b).post(f"{API}/proposals/{pk}/reject/").status_code == 200
    assert api_as(librarian_a).post(f"{API}/proposals/{pk}/accept/").status_code == 403


def test_an_unknown_decision_on_a_proposal_is_not_a_rejection(api_as, make_user, librarian_b, beta_record):
    _, record = beta_record
    cataloguer = make_user("cat_b", Role.CATALOGUER, library=library_of(librarian_b))
    proposed = api_as(cataloguer).post(f"{API}/records/{record.urid}/proposals/",
                                       {"library": "beta", "changes": {"place": "北京"}}, format="json")
    pk = proposed.json()["id"]
    assert api_as(librarian_b).post(f"{API}/proposals/{pk}/shred/").status_code == 404
    assert Proposal.objects.get(pk=pk).status == "pending"


@pytest.mark.parametrize(("action", "form"), [
    ("pin", {"member": "not-a-member"}),
    ("split", {"member": ["1:x"]}),
    ("restore", {"version": "latest"}),
    ("accept", {"proposal": "abc"}),
])
def test_hostile_form_values_on_the_record_page_are_mistakes_not_crashes(client, coordinator, beta_record, action,
                                                                        form):
    _, record = beta_record
    client.force_login(coordinator)
    response = client.post(f"/union/r/{record.urid}/{action}/", form)
    assert response.status_code in (302, 404), response.status_code
    assert response.status_code == 404 or response["Location"] == f"/union/r/{record.urid}/"


def test_a_hostile_review_id_on_the_review_page_is_a_404(client, coordinator, beta_record):
    client.force_login(coordinator)
    assert client.post("/union/review/", {"review": "abc", "action": "apart"}).status_code == 404
    assert not MatchReview.objects.exclude(status="open").exists()


def test_a_reader_posting_a_hostile_review_id_is_refused(client, make_user, library_b):
    reader = make_user("reader_b", Role.STUDENT, library=library_b)
    client.force_login(reader)
    assert client.post("/union/review/", {"review": "abc", "action": "apart"}).status_code == 403


def library_of(user):
    return user.memberships.get().library
