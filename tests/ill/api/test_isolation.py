"""A request is seen by its borrower and, through its own supply, by the lender asked; by no one else.

Every library-scoped endpoint is tried by another member's staff with a number that is not theirs
(404), and the lender's answers are searched for the reader (never there).
"""

from __future__ import annotations

import json

import pytest

from tenants.models import Role
from tests.ill.api.conftest import request_to

pytestmark = pytest.mark.django_db

READER_KEYS = ("reader", "reader_id", "reader_user_id", "staff_note", "card_number")


@pytest.fixture
def loan(ill_world, shared_book, reader_user, reader_a):
    """alpha's request for reader_a, sent to beta (gamma is not on its rota)."""
    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"], reader=reader_a,
                                 staff_note="家长电话 138...")
    return request, supply


def _keys(data) -> set[str]:
    found = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found.add(key)
            found |= _keys(value)
    elif isinstance(data, list):
        for value in data:
            found |= _keys(value)
    return found


def test_the_borrower_sees_its_request_with_the_reader(api_as, ill_staff, loan, reader_a):
    request, _supply = loan
    answer = api_as(ill_staff["alpha"]).get(f"/api/v1/ill/libraries/alpha/requests/{request.number}/")
    assert answer.status_code == 200
    data = answer.json()
    assert data["reader"] == {"id": reader_a.pk, "card_number": "A0001", "name": "张小明"}
    assert data["lender"] == "beta" and [e["lender"] for e in data["rota"]] == ["beta"]
    assert data["rota"][0]["why"], "the rota says why the lender was chosen"
    assert [row["action"] for row in data["history"]] == ["send_to_lender"]
    assert {m["kind"] for m in data["messages"]} == {"Request"}
    listed = api_as(ill_staff["alpha"]).get("/api/v1/ill/libraries/alpha/requests/").json()["results"]
    assert [r["number"] for r in listed] == [request.number]


def test_the_lender_sees_the_supply_never_the_reader(api_as, ill_staff, loan):
    request, supply = loan
    client = api_as(ill_staff["beta"])
    detail = client.get(f"/api/v1/ill/libraries/beta/supplies/{supply.number}/")
    assert detail.status_code == 200
    data = detail.json()
    assert data["borrower"] == "alpha" and data["borrower_request"] == request.number
    queue = client.get("/api/v1/ill/libraries/beta/supplies/").json()
    assert [row["number"] for row in queue["results"]] == [supply.number]
    assert queue["states"][0]["status"] == "new" and queue["states"][0]["count"] == 1
    for body in (data, queue):
        assert not _keys(body) & set(READER_KEYS)
        text = json.dumps(body, ensure_ascii=False)
        assert "张小明" not in text and "A0001" not in text and "家长电话" not in text
    # Under its own code the lender does not find the borrower's request.
    assert client.get(f"/api/v1/ill/libraries/beta/requests/{request.number}/").status_code == 404
    assert client.get("/api/v1/ill/libraries/beta/requests/").json()["results"] == []


@pytest.mark.parametrize("url", [
    "/api/v1/ill/libraries/gamma/requests/{request}/",
    "/api/v1/ill/libraries/gamma/supplies/{supply}/",
    "/api/v1/ill/libraries/gamma/supplies/{request}/",
    "/api/v1/ill/libraries/gamma/requests/{supply}/",
])
def test_another_member_finds_neither_side(api_as, ill_staff, loan, url):
    request, supply = loan
    answer = api_as(ill_staff["gamma"]).get(url.format(request=request.number, supply=supply.number))
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


@pytest.mark.parametrize("path,action", [
    ("requests/{request}", "cancel"), ("requests/{request}", "receive"),
    ("supplies/{supply}", "answer"), ("supplies/{supply}", "ship"),
])
def test_another_member_cannot_act_on_either_side(api_as, ill_staff, loan, path, action):
    request, supply = loan
    url = f"/api/v1/ill/libraries/gamma/{path.format(request=request.number, supply=supply.number)}/{action}/"
    answer = api_as(ill_staff["gamma"]).post(url, {"decision": "will_supply"}, format="json")
    assert answer.status_code == 404
    request.refresh_from_db()
    supply.refresh_from_db()
    assert (request.status, supply.status) == ("requested", "new")


def test_staff_of_another_library_are_refused_under_the_right_code(api_as, ill_staff, loan):
    request, supply = loan
    client = api_as(ill_staff["gamma"])
    assert client.get(f"/api/v1/ill/libraries/alpha/requests/{request.number}/").status_code == 403
    assert client.get(f"/api/v1/ill/libraries/beta/supplies/{supply.number}/").status_code == 403
    assert client.get("/api/v1/ill/libraries/alpha/requests/").status_code == 403


def test_a_coordinator_reads_their_regions_requests_without_the_reader_and_cannot_act(
        api_as, make_user, district_a, loan):
    request, _supply = loan
    coordinator = make_user("coord_east", Role.COORDINATOR, region=district_a)
    client = api_as(coordinator)
    answer = client.get(f"/api/v1/ill/libraries/alpha/requests/{request.number}/")
    assert answer.status_code == 200 and answer.json()["reader"] is None
    refused = client.post(f"/api/v1/ill/libraries/alpha/requests/{request.number}/cancel/", {}, format="json")
    assert refused.status_code == 403
    request.refresh_from_db()
    assert request.status == "requested"


def test_an_unknown_library_or_action_is_a_404(api_as, ill_staff, loan):
    request, _supply = loan
    client = api_as(ill_staff["alpha"])
    assert client.get("/api/v1/ill/libraries/nowhere/requests/").status_code == 404
    answer = client.post(f"/api/v1/ill/libraries/alpha/requests/{request.number}/explode/", {}, format="json")
    assert answer.status_code == 404 and answer.json()["code"] == "no_action"


def test_a_reader_sees_only_their_own_requests(api_as, reader_user, loan, ill_world, shared_book, make_user):
    request, _supply = loan
    other, _ = request_to(ill_world["alpha"], None, shared_book["record"])
    mine = api_as(reader_user).get("/api/v1/ill/my/requests/").json()["results"]
    assert [r["number"] for r in mine] == [request.number]
    assert not _keys(mine) & {"staff_note", "reader", "lender"}
    stranger = make_user("reader_x", Role.STUDENT, library=ill_world["gamma"])
    assert api_as(stranger).get("/api/v1/ill/my/requests/").json()["results"] == []
    answer = api_as(stranger).post(f"/api/v1/ill/my/requests/{request.number}/cancel/")
    assert answer.status_code == 404
    assert api_as(reader_user).post(f"/api/v1/ill/my/requests/{other.number}/cancel/").status_code == 404
