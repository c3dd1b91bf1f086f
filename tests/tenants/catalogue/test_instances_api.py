"""``/api/v1/libraries/<code>/instances/``: a library's staff read their local catalogue; nobody
writes it through this API, and no one from outside the library reads it."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.catalogue.models import Instance, Item, ItemStatus
from tenants.models import Role
from tests.builders import add_items, create_instance

LIST = "/api/v1/libraries/beta/instances/"


@pytest.fixture
def beta_records(library_b):
    """Three records of beta's: one with two copies (one out, one for reference), one plain, one withdrawn."""
    hongloumeng = create_instance(library_b, title="红楼梦", authors=["曹雪芹"], year=1982,
                                  isbns=["9787020002207"], publisher="人民文学出版社")
    add_items(library_b, hongloumeng, 1, call_number="I242.47/1", status=ItemStatus.CHECKED_OUT, barcode="B0001")
    add_items(library_b, hongloumeng, 1, call_number="I242.47/1", reference_only=True, barcode="B0002")
    sanguo = create_instance(library_b, title="三国演义", authors=["罗贯中"], year=1990)
    withdrawn = create_instance(library_b, title="西游记补", year=1970, deleted=True)
    return {"hongloumeng": hongloumeng, "sanguo": sanguo, "withdrawn": withdrawn}


@pytest.fixture
def alpha_record(library_a):
    return create_instance(library_a, title="甲馆的书", year=2000)


def test_staff_list_their_records_in_id_order_with_the_list_fields(api_as, librarian_b, beta_records, alpha_record):
    body = api_as(librarian_b).get(LIST).json()
    assert body["count"] == 3
    assert [row["title"] for row in body["results"]] == ["红楼梦", "三国演义", "西游记补"]
    first = body["results"][0]
    assert set(first) == {"id", "hrid", "control_number", "record_format", "title", "authors", "publisher", "year",
                          "isbns", "deleted", "updated_at"}
    assert first["id"] == beta_records["hongloumeng"].pk
    assert first["hrid"] == beta_records["hongloumeng"].hrid
    assert [row["deleted"] for row in body["results"]] == [False, False, True]


def test_the_list_is_paged(api_as, librarian_b, beta_records):
    body = api_as(librarian_b).get(LIST, {"limit": 2, "offset": 1}).json()
    assert body["count"] == 3
    assert [row["title"] for row in body["results"]] == ["三国演义", "西游记补"]


def test_the_detail_carries_holdings_and_items_but_not_the_source_record(api_as, librarian_b, beta_records):
    record = beta_records["hongloumeng"]
    body = api_as(librarian_b).get(f"{LIST}{record.pk}/").json()
    assert body["title"] == "红楼梦"
    assert body["authors"][0]["name"] == "曹雪芹"
    assert "raw_record" not in body and "fingerprint" not in body
    assert [h["call_number"] for h in body["holdings"]] == ["I242.47/1", "I242.47/1"]
    items = {item["barcode"]: item for holdings in body["holdings"] for item in holdings["items"]}
    assert items["B0001"]["status"] == "checked_out" and items["B0001"]["loanable"] is False
    assert items["B0002"]["status"] == "available" and items["B0002"]["reference_only"] is True
    assert items["B0002"]["loanable"] is False


def test_an_item_on_the_shelf_is_loanable(api_as, librarian_b, library_b):
    record = create_instance(library_b, title="水浒传", items=1)
    body = api_as(librarian_b).get(f"{LIST}{record.pk}/").json()
    assert [item["loanable"] for item in body["holdings"][0]["items"]] == [True]


def test_an_id_names_a_record_of_this_library_only(api_as, librarian_b, library_a, beta_records):
    beta_ids = {record.pk for record in beta_records.values()}
    alpha_only = create_instance(library_a, title="甲馆的书")
    while alpha_only.pk in beta_ids:
        alpha_only = create_instance(library_a, title="甲馆的书")
    assert api_as(librarian_b).get(f"{LIST}{alpha_only.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.LIBRARY_ADMIN, Role.CATALOGUER, Role.CIRCULATION, Role.ILL_STAFF])
def test_every_staff_role_may_read(api_as, make_user, library_b, beta_records, role):
    user = make_user("staff", role, library=library_b)
    client = api_as(user)
    assert client.get(LIST).status_code == 200
    assert client.get(f"{LIST}{beta_records['sanguo'].pk}/").status_code == 200


def test_coordinators_read_the_libraries_of_their_region(api_as, make_user, district_b, beta_records):
    west = make_user("west_coord", Role.COORDINATOR, region=district_b)
    assert api_as(west).get(LIST).json()["count"] == 3


@pytest.mark.parametrize("who", ["reader of beta", "librarian of alpha", "coordinator of another district"])
def test_readers_and_outsiders_are_refused(api_as, make_user, library_a, library_b, district_a, beta_records, who):
    user = {
        "reader of beta": lambda: make_user("reader", Role.STUDENT, library=library_b),
        "librarian of alpha": lambda: make_user("intruder", Role.LIBRARY_ADMIN, library=library_a),
        "coordinator of another district": lambda: make_user("east", Role.COORDINATOR, region=district_a),
    }[who]()
    client = api_as(user)
    for url in (LIST, f"{LIST}{beta_records['hongloumeng'].pk}/"):
        response = client.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert "红楼梦" not in response.content.decode()


def test_anonymous_users_are_asked_to_sign_in(api, beta_records):
    assert api.get(LIST).status_code == 401
    assert api.get(f"{LIST}{beta_records['sanguo'].pk}/").status_code == 401


@pytest.mark.parametrize("method,path", [
    ("post", ""), ("put", "{id}/"), ("patch", "{id}/"), ("delete", "{id}/"),
])
def test_the_catalogue_is_not_written_through_this_api(api_as, librarian_b, library_b, beta_records, method, path):
    record = beta_records["hongloumeng"]
    response = getattr(api_as(librarian_b), method)(LIST + path.format(id=record.pk),
                                                     {"title": "改写", "hrid": "in99999999"}, format="json")
    assert response.status_code == 405
    with tenant_context(library_b):
        assert Instance.objects.count() == 3
        assert Instance.objects.get(pk=record.pk).title == "红楼梦"
        assert Item.objects.filter(holdings__instance_id=record.pk).count() == 2
