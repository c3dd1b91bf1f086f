import pytest

from tenants.models import Library, Membership, Role


def test_coordinator_creates_a_library(api_as, coordinator, district_a):
    response = api_as(coordinator).post(
        "/api/v1/libraries/",
        {"code": "gamma", "name": "伽马中学", "kind": "middle", "region": "east", "student_count": 800},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["region"] == "east"
    assert Library.objects.get(code="gamma").schema_name == "lib_gamma"


def test_duplicate_code_is_409_and_changes_nothing(api_as, coordinator, library_a):
    response = api_as(coordinator).post(
        "/api/v1/libraries/", {"code": "alpha", "name": "重复", "kind": "primary", "region": "east"}, format="json"
    )
    assert response.status_code == 409
    assert "alpha" in response.json()["detail"]
    assert Library.objects.get(code="alpha").name == "ALPHA"


@pytest.mark.parametrize("payload", [
    {"code": "Bad Code", "name": "x", "kind": "primary", "region": "east"},
    {"code": "okcode", "name": "x", "kind": "zoo", "region": "east"},
    {"code": "okcode", "kind": "primary", "region": "east"},
    {"code": "okcode", "name": "x", "kind": "primary", "region": "atlantis"},
])
def test_bad_library_requests_are_400(api_as, coordinator, district_a, payload):
    response = api_as(coordinator).post("/api/v1/libraries/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()
    assert not Library.objects.filter(code="okcode").exists()


def test_coordinator_cannot_create_outside_region(api_as, make_user, district_a, district_b):
    east = make_user("east_coord", Role.COORDINATOR, region=district_a)
    response = api_as(east).post(
        "/api/v1/libraries/", {"code": "westlib", "name": "x", "kind": "primary", "region": "west"}, format="json"
    )
    assert response.status_code == 403


def test_library_admin_manages_memberships(api_as, librarian_a, make_user):
    make_user("newcat")
    client = api_as(librarian_a)
    response = client.post("/api/v1/libraries/alpha/memberships/", {"username": "newcat", "role": "cataloguer"}, format="json")
    assert response.status_code == 201, response.content
    assert Membership.objects.filter(user__username="newcat", role="cataloguer", library__code="alpha").exists()
    again = client.post("/api/v1/libraries/alpha/memberships/", {"username": "newcat", "role": "cataloguer"}, format="json")
    assert again.status_code == 409
    coord = client.post("/api/v1/libraries/alpha/memberships/", {"username": "newcat", "role": "coordinator"}, format="json")
    assert coord.status_code == 400


def test_library_admin_updates_own_library(api_as, librarian_a):
    response = api_as(librarian_a).patch("/api/v1/libraries/alpha/", {"student_count": 1300}, format="json")
    assert response.status_code == 200
    assert Library.objects.get(code="alpha").student_count == 1300


def test_cataloguer_cannot_update_library(api_as, make_user, library_a):
    cat = make_user("cat_a", Role.CATALOGUER, library=library_a)
    assert api_as(cat).patch("/api/v1/libraries/alpha/", {"student_count": 1}, format="json").status_code == 403


def test_me_lists_memberships(api_as, librarian_a):
    body = api_as(librarian_a).get("/api/v1/me/").json()
    assert body == {"username": "lib_a", "memberships": [{"role": "library_admin", "library": "alpha", "region": None}]}


def test_token_auth_works(api, librarian_a):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=librarian_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/libraries/alpha/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert api.get("/api/v1/libraries/alpha/").status_code == 401


def test_a_token_is_issued_for_a_good_password_only(api, librarian_a):
    good = api.post("/api/v1/auth/token/", {"username": "lib_a", "password": "pw-12345678"}, format="json")
    assert good.status_code == 200 and len(good.json()["token"]) == 40
    bad = api.post("/api/v1/auth/token/", {"username": "lib_a", "password": "nope"}, format="json")
    assert bad.status_code == 400
