"""The corners, overdues and charges API: answers, per-barcode refusals, and who is refused."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import tenant_context

from circulation.models import Charge, CirculationPolicy, Loan
from tenants.models import Role

BASE = "/api/v1/libraries/alpha"


@pytest.fixture
def scene(library, class_3_2, make_class, make_reader, make_items):
    """Alpha: class 3-2 (teacher with e-mail), another class, three copies on the shelf, a student."""
    other = make_class(3, "3", teacher=class_3_2.teacher)
    student = make_reader("张三", school_class=class_3_2, card="S1")
    items = make_items(3, price="12.35")
    return {"class": class_3_2, "other": other, "student": student, "items": items}


def test_a_batch_is_lent_with_refusals_per_barcode_then_returned(api_as, desk_staff, scene):
    api = api_as(desk_staff)
    first, second, _ = scene["items"]
    answer = api.post(f"{BASE}/corners/", {"school_class": scene["class"].pk,
                                           "barcodes": [first.barcode, "NOPE", second.barcode]}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    batch = body["batch"]["id"]
    assert [line["barcode"] for line in body["lent"]] == [first.barcode, second.barcode]
    assert [(r["barcode"], r["code"]) for r in body["refused"]] == [("NOPE", "item_unknown")]
    assert {i["barcode"] for i in body["batch"]["items"]} == {first.barcode, second.barcode}
    listed = api.get(f"{BASE}/corners/?school_class={scene['class'].pk}").json()
    assert [b["id"] for b in listed] == [batch]
    assert api.get(f"{BASE}/corners/?school_class={scene['other'].pk}").json() == []
    back = api.post(f"{BASE}/corners/{batch}/return/", {"barcodes": [first.barcode]}, format="json").json()
    assert [line["barcode"] for line in back["returned"]] == [first.barcode] and back["batch"]["status"] == "open"
    rotated = api.post(f"{BASE}/corners/{batch}/rotate/", {"school_class": scene["other"].pk}, format="json")
    assert rotated.status_code == 201 and rotated.json()["batch"]["rotated_from"] == batch
    again = api.post(f"{BASE}/corners/{batch}/return/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "batch_returned"


def test_a_batch_where_nothing_could_go_is_a_409_listing_why(api_as, desk_staff, scene):
    answer = api_as(desk_staff).post(f"{BASE}/corners/", {"school_class": scene["class"].pk, "barcodes": ["NOPE"]},
                                     format="json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "nothing_lent" and answer.json()["refused"][0]["code"] == "item_unknown"


def test_overdues_by_class_and_charges_through_the_api(api_as, desk_staff, scene, library):
    api = api_as(desk_staff)
    item = scene["items"][0]
    assert api.post(f"{BASE}/desk/checkout/", {"card": "S1", "barcode": item.barcode}, format="json").status_code \
        == 200
    with tenant_context(library):
        Loan.objects.filter(item=item).update(due_on="2026-09-29")
        CirculationPolicy.current()
        CirculationPolicy.objects.update(loss_policy="factor", loss_factor="1.50")
    groups = api.get(f"{BASE}/overdues/?on=2026-10-09").json()
    assert [(g["school_class"], [line["overdue_days"] for line in g["lines"]]) for g in groups] == [
        (scene["class"].pk, [3])]
    assert api.get(f"{BASE}/overdues/?on=someday").status_code == 400
    charged = api.post(f"{BASE}/charges/", {"barcode": item.barcode, "kind": "lost"}, format="json")
    assert charged.status_code == 201 and charged.json()["amount"] == "18.53" and charged.json()["card"] == "S1"
    pk = charged.json()["id"]
    no_reason = api.post(f"{BASE}/charges/{pk}/waive/", {}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    paid = api.post(f"{BASE}/charges/{pk}/pay/", {}, format="json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert api.post(f"{BASE}/charges/{pk}/pay/", {}, format="json").json()["code"] == "already_settled"
    totals = api.get(f"{BASE}/charges/totals/").json()
    assert totals["paid"] == {"count": 1, "amount": "18.53"} and totals["open"]["count"] == 0
    assert [c["id"] for c in api.get(f"{BASE}/charges/?status=paid").json()["results"]] == [pk]
    exported = api.get(f"{BASE}/charges/export/")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert exported["Content-Type"].startswith("text/csv") and rows[1][0] == str(pk) and rows[1][5] == "18.53"
    with tenant_context(library):
        assert Charge.objects.get().status == "paid"


@pytest.mark.parametrize("path", ["corners/", "overdues/", "charges/", "charges/totals/", "charges/export/"])
def test_the_coordinator_of_the_librarys_own_region_and_a_student_helper_are_refused(
        path, api_as, make_user, district_a, helper, scene):
    coordinator = make_user("coord_east_1", Role.COORDINATOR, region=district_a)
    assert api_as(coordinator).get(f"{BASE}/{path}").status_code == 403
    assert api_as(helper).get(f"{BASE}/{path}").status_code == 403


def test_the_coordinator_cannot_lend_a_corner_or_charge(api_as, make_user, district_a, scene):
    api = api_as(make_user("coord_east_2", Role.COORDINATOR, region=district_a))
    barcode = scene["items"][0].barcode
    assert api.post(f"{BASE}/corners/", {"school_class": scene["class"].pk, "barcodes": [barcode]},
                    format="json").status_code == 403
    assert api.post(f"{BASE}/charges/", {"barcode": barcode, "kind": "lost"}, format="json").status_code == 403
