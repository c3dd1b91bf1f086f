"""The corner, overdue and charge pages: forms that work without JavaScript, and who may see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from circulation.models import Charge, CornerBatch, Loan
from tenants.models import Role

BASE = "/lib/alpha"


@pytest.fixture
def scene(library, class_3_2, make_class, make_reader, make_items):
    other = make_class(3, "3", teacher=class_3_2.teacher)
    make_reader("张三", school_class=class_3_2, card="S1")
    return {"class": class_3_2, "other": other, "items": make_items(3, price=Decimal("20.00"))}


@pytest.fixture
def staff_client(desk_staff):
    client = Client()
    client.force_login(desk_staff)
    return client


def test_a_batch_is_lent_from_the_page_and_refused_barcodes_are_named(staff_client, scene, library):
    first, second, _ = scene["items"]
    answer = staff_client.post(f"{BASE}/corners/", {"school_class": scene["class"].pk,
                                                    "barcodes": f"{first.barcode}\nNOPE\n{second.barcode}"},
                               follow=True)
    assert answer.status_code == 200
    with tenant_context(library):
        batch = CornerBatch.objects.get()
        assert Loan.objects.filter(corner=batch, status="open").count() == 2
    assert answer.redirect_chain[-1][0] == f"{BASE}/corners/{batch.pk}/"
    page = answer.content.decode()
    assert f'data-barcode="{first.barcode}"' in page and "NOPE" in page  # the refused barcode is listed
    listing = staff_client.get(f"{BASE}/corners/").content.decode()
    assert f'data-batch="{batch.pk}"' in listing
    on_class = staff_client.get(f"{BASE}/corners/classes/{scene['class'].pk}/").content.decode()
    assert f'data-barcode="{second.barcode}"' in on_class
    staff_client.post(f"{BASE}/corners/{batch.pk}/", {"action": "rotate", "school_class": scene["other"].pk})
    with tenant_context(library):
        assert CornerBatch.objects.get(pk=batch.pk).status == "returned"
        assert CornerBatch.objects.get(rotated_from=batch).school_class == scene["other"]


def test_the_overdue_page_lists_each_class_for_printing(staff_client, scene, library):
    item = scene["items"][0]
    with tenant_context(library):
        from circulation.services import desk

        loan = desk.check_out("S1", item.barcode, today=dt.date(2026, 9, 15)).loan
        Loan.objects.filter(pk=loan.pk).update(due_on=dt.date(2026, 9, 29))
    page = staff_client.get(f"{BASE}/overdues/?on=2026-10-09").content.decode()
    assert f'data-class="{scene["class"].pk}"' in page and f'data-loan="{loan.pk}" data-days="3"' in page
    assert "@media print" in page
    one = staff_client.get(f"{BASE}/overdues/?on=2026-10-09&school_class={scene['other'].pk}").content.decode()
    assert 'id="no-overdues"' in one
    assert staff_client.post(f"{BASE}/overdues/remind/").status_code == 302


def test_charges_are_made_and_settled_from_the_ledger_page(staff_client, scene, library):
    item = scene["items"][0]
    with tenant_context(library):
        from circulation.services import desk

        desk.check_out("S1", item.barcode)
    assert staff_client.post(f"{BASE}/charges/", {"barcode": item.barcode, "kind": "lost"}).status_code == 302
    with tenant_context(library):
        charge = Charge.objects.get()
    assert charge.amount == Decimal("20.00") and charge.status == "open"
    page = staff_client.get(f"{BASE}/charges/").content.decode()
    assert f'data-charge="{charge.pk}" data-status="open"' in page
    staff_client.post(f"{BASE}/charges/{charge.pk}/", {"action": "waive", "note": ""})
    with tenant_context(library):
        assert Charge.objects.get().status == "open"  # a waiver needs its reason
    staff_client.post(f"{BASE}/charges/{charge.pk}/", {"action": "waive", "note": "家庭困难"})
    with tenant_context(library):
        assert Charge.objects.get().status == "waived"
    exported = staff_client.get(f"{BASE}/charges/export/?status=waived")
    assert exported["Content-Type"].startswith("text/csv") and "家庭困难" in exported.content.decode("utf-8-sig")


@pytest.mark.parametrize("path", ["corners/", "overdues/", "charges/", "charges/export/"])
def test_the_coordinator_of_the_librarys_own_region_gets_403_on_the_pages(path, make_user, district_a, scene):
    client = Client()
    client.force_login(make_user("coord_east_p", Role.COORDINATOR, region=district_a))
    assert client.get(f"{BASE}/{path}").status_code == 403
