"""The card file in the API and its pages: staff of the library only, never a coordinator."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from circulation.models import DeskEvent, Reader, SchoolClass
from tenants.models import Role

READER_DATA_ROUTES = [
    "/api/v1/libraries/alpha/readers/", "/api/v1/libraries/alpha/classes/", "/api/v1/libraries/alpha/readers/cards/",
    "/lib/alpha/readers/", "/lib/alpha/classes/", "/lib/alpha/readers/import/", "/lib/alpha/classes/promotion/",
]


@pytest.fixture
def region_coordinator(make_user, library):
    return make_user("coord_east", Role.COORDINATOR, region=library.region)


@pytest.mark.parametrize("url", READER_DATA_ROUTES)
def test_a_coordinator_of_the_librarys_own_region_is_refused(url, region_coordinator, make_reader):
    make_reader("王小明")
    if url.startswith("/api/"):
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(region_coordinator)
    else:
        client = Client()
        client.force_login(region_coordinator)
    assert client.get(url).status_code == 403


def test_staff_create_find_and_suspend_a_reader(library, desk_staff, api_as):
    api = api_as(desk_staff)
    made = api.post("/api/v1/libraries/alpha/classes/", {"grade": 4, "number": "1"}, format="json")
    assert made.status_code == 201
    response = api.post("/api/v1/libraries/alpha/readers/", {
        "name": "赵六", "student_number": "S77", "kind": "student", "school_class": made.json()["id"]}, format="json")
    assert response.status_code == 201 and response.json()["card_number"] == "S77"
    pk = response.json()["id"]
    again = api.post("/api/v1/libraries/alpha/readers/", {"name": "又是", "card_number": "S77"}, format="json")
    assert again.status_code == 400
    found = api.get("/api/v1/libraries/alpha/readers/", {"q": "赵"}).json()["results"]
    assert [r["id"] for r in found] == [pk] and found[0]["grade"] == 4
    refused = api.post(f"/api/v1/libraries/alpha/readers/{pk}/status/", {"status": "suspended"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "reason_required"
    done = api.post(f"/api/v1/libraries/alpha/readers/{pk}/status/", {"status": "suspended", "reason": "迟还"},
                    format="json")
    assert done.json()["status"] == "suspended"
    assert api.get("/api/v1/libraries/alpha/readers/", {"status": "suspended"}).json()["count"] == 1


def test_import_through_the_api_reports_rows(library, desk_staff, api_as):
    csv = "姓名,学号,年级,班级\n甲,1,1,1\n,2,1,1\n".encode()
    response = api_as(desk_staff).post("/api/v1/libraries/alpha/readers/import/", {
        "file": SimpleUploadedFile("a.csv", csv), "dry_run": "false"}, format="multipart")
    assert response.status_code == 200
    assert response.json()["created"] == 1 and response.json()["errors"] == [{"row": 3, "message": response.json()[
        "errors"][0]["message"]}]


def test_promotion_plan_then_promote(library, desk_staff, api_as, make_class):
    make_class(grade=8, number="1")  # alpha is a middle school: grade 9 graduates
    nine = make_class(grade=9, number="1")
    api = api_as(desk_staff)
    plan = api.get("/api/v1/libraries/alpha/classes/promotion/").json()
    assert plan["top_grade"] == 9 and plan["done"] is False and plan["graduating"][0]["class_id"] == nine.pk
    done = api.post("/api/v1/libraries/alpha/classes/promotion/", {}, format="json").json()
    assert done["done"] is True
    with tenant_context(library):
        assert list(SchoolClass.objects.filter(active=True).values_list("grade", flat=True)) == [9]
    connection.set_schema_to_public()


def test_export_and_erase_through_the_api(library, desk_staff, api_as, make_reader):
    reader = make_reader("钱七", card="Q7")
    api = api_as(desk_staff)
    exported = api.get(f"/api/v1/libraries/alpha/readers/{reader.pk}/export/")
    assert exported.status_code == 200 and exported.json()["reader"]["name"] == "钱七"
    erased = api.post(f"/api/v1/libraries/alpha/readers/{reader.pk}/erase/")
    assert erased.status_code == 200 and erased.json()["name"] == ""
    with tenant_context(library):
        assert set(DeskEvent.objects.filter(action="reader").values_list("code", flat=True)) == {"export", "erase"}
        assert Reader.objects.get(pk=reader.pk).card_number.startswith("erased-")
    connection.set_schema_to_public()


def test_cards_and_class_sheets_are_pdfs(library, desk_staff, api_as, make_class, make_reader):
    school_class = make_class()
    make_reader("孙八", school_class=school_class)
    api = api_as(desk_staff)
    for url in ("/api/v1/libraries/alpha/readers/cards/", f"/api/v1/libraries/alpha/classes/{school_class.pk}/sheet/",
                f"/lib/alpha/classes/{school_class.pk}/sheet/", f"/lib/alpha/readers/cards/?class={school_class.pk}"):
        if url.startswith("/lib/"):
            client = Client()
            client.force_login(desk_staff)
            response = client.get(url)
        else:
            response = api.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_the_pages_list_edit_and_import(library, desk_staff, make_reader):
    reader = make_reader("周九", card="Z9")
    client = Client()
    client.force_login(desk_staff)
    listing = client.get("/lib/alpha/readers/", {"q": "周"})
    assert listing.status_code == 200 and f'data-reader="{reader.pk}"'.encode() in listing.content
    saved = client.post(f"/lib/alpha/readers/{reader.pk}/", {"card_number": "Z9", "name": "周九九", "kind": "student"})
    assert saved.status_code == 302
    report = client.post("/lib/alpha/readers/import/", {
        "file": SimpleUploadedFile("a.csv", "姓名,学号,年级,班级\n甲,1,1,1\n".encode()), "dry_run": "1"})
    assert b'data-created="1"' in report.content and b'data-dry-run="1"' in report.content
    promotion = client.get("/lib/alpha/classes/promotion/")
    assert promotion.status_code == 200 and b'data-done="0"' in promotion.content
    with tenant_context(library):
        assert Reader.objects.get(pk=reader.pk).name == "周九九" and Reader.objects.count() == 1
    connection.set_schema_to_public()
