"""A librarian of one member library can neither read nor change another's data, on any endpoint."""

import pytest
from django_tenants.utils import tenant_context

from tenants.catalogue.models import Instance
from tenants.models import Library, Membership, Role


def make_instance(library, title):
    with tenant_context(library):
        return Instance.objects.create(hrid=f"in-{title}", record_format="marc21", title=title, raw_record=b"", fingerprint="x")


@pytest.fixture
def two_catalogues(library_a, library_b):
    return make_instance(library_a, "甲馆的书"), make_instance(library_b, "乙馆的书")


def test_each_schema_holds_only_its_own_instances(two_catalogues, library_a, library_b):
    with tenant_context(library_a):
        assert list(Instance.objects.values_list("title", flat=True)) == ["甲馆的书"]
    with tenant_context(library_b):
        assert list(Instance.objects.values_list("title", flat=True)) == ["乙馆的书"]


def test_librarian_sees_own_catalogue(api_as, librarian_a, two_catalogues):
    response = api_as(librarian_a).get("/api/v1/libraries/alpha/instances/")
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["甲馆的书"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/libraries/beta/"),
        ("patch", "/api/v1/libraries/beta/"),
        ("get", "/api/v1/libraries/beta/instances/"),
        ("get", "/api/v1/libraries/beta/instances/{b_id}/"),
        ("get", "/api/v1/libraries/beta/memberships/"),
        ("post", "/api/v1/libraries/beta/memberships/"),
        ("get", "/api/v1/libraries/"),
        ("post", "/api/v1/libraries/"),
    ],
)
def test_librarian_of_a_cannot_touch_b(api_as, librarian_a, librarian_b, two_catalogues, method, path):
    b_instance = two_catalogues[1]
    client = api_as(librarian_a)
    payload = {"name": "改名", "username": "lib_a", "role": "cataloguer", "code": "evil", "kind": "primary"}
    response = getattr(client, method)(path.format(b_id=b_instance.pk), payload, format="json")
    assert response.status_code == 403, response.content
    assert "乙馆的书" not in response.content.decode()
    assert Library.objects.get(code="beta").name == "BETA"
    assert not Membership.objects.filter(library__code="beta", user=librarian_a).exists()


def test_instance_ids_of_b_are_not_reachable_through_a(api_as, librarian_a, two_catalogues):
    b_instance = two_catalogues[1]
    a_instance = two_catalogues[0]
    if b_instance.pk == a_instance.pk:
        # same id in two schemas: A's URL must show A's record, never B's
        body = api_as(librarian_a).get(f"/api/v1/libraries/alpha/instances/{b_instance.pk}/").json()
        assert body["title"] == "甲馆的书"
    else:
        response = api_as(librarian_a).get(f"/api/v1/libraries/alpha/instances/{b_instance.pk}/")
        assert response.status_code == 404


def test_anonymous_users_get_401(api, two_catalogues):
    assert api.get("/api/v1/libraries/alpha/instances/").status_code in (401, 403)


def test_web_page_of_another_library_is_forbidden(client, librarian_a, library_b):
    client.force_login(librarian_a)
    assert client.get("/lib/alpha/").status_code == 200
    assert client.get("/lib/beta/").status_code == 403


def test_unknown_library_is_a_json_404(api_as, librarian_a):
    response = api_as(librarian_a).get("/api/v1/libraries/nosuch/instances/")
    assert response.status_code == 404
    assert "nosuch" in response.json()["detail"]


def test_coordinator_reaches_libraries_in_region_only(api_as, make_user, library_a, library_b, district_a):
    east = make_user("east_coord", Role.COORDINATOR, region=district_a)
    client = api_as(east)
    assert client.get("/api/v1/libraries/alpha/").status_code == 200
    assert client.get("/api/v1/libraries/beta/").status_code == 403
    codes = [row["code"] for row in client.get("/api/v1/libraries/").json()["results"]]
    assert codes == ["alpha"]
