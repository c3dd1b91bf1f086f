import pytest
from django.core.management import call_command

from config.demo import DEMO_PASSWORD, LIBRARIES, build_demo
from tenants.models import Library, Membership, Region, Role

pytestmark = pytest.mark.django_db


def test_demo_builds_a_consortium_and_is_safe_to_repeat():
    first = build_demo(load_records=False, progress=lambda *_: None)
    build_demo(load_records=False, progress=lambda *_: None)
    assert Region.objects.filter(level="province").count() == 1
    assert Region.objects.filter(level="district").count() == 2
    assert Library.objects.count() == 5
    assert len({lib.kind for lib in Library.objects.all()}) == 5
    assert Membership.objects.filter(role=Role.LIBRARY_ADMIN).count() == 5
    assert Membership.objects.filter(role=Role.COORDINATOR).count() == 3
    assert {login.username for login in first} >= {"coordinator", "dongcheng_no1_admin"}


def test_demo_logins_work(client):
    build_demo(load_records=False, progress=lambda *_: None)
    assert client.login(username="dongcheng_no1_admin", password=DEMO_PASSWORD)
    assert client.get("/lib/dongcheng_no1/").status_code == 200
    assert client.get("/lib/xishan_voc/").status_code == 403


def test_demo_command_prints_logins(capsys):
    call_command("demo", "--no-serve", "--no-records")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and "coordinator" in out
    assert all(code in out for code, *_ in LIBRARIES)


@pytest.mark.django_db(transaction=True)
def test_demo_records_reach_the_union_catalogue_and_search(client):
    from union.models import UnionHolding, UnionRecord

    build_demo(load_records=True, progress=lambda *_: None)
    assert UnionHolding.objects.count() >= 50
    records = UnionRecord.objects.filter(deleted=False)
    assert 0 < records.count() < UnionHolding.objects.count(), "sample records held by several libraries cluster"
    body = client.get("/api/v1/search/", {"q": records.exclude(title="").first().title[:4]}).json()
    assert body["count"] >= 1
    from django.db.models import Sum

    totals = UnionHolding.objects.aggregate(total=Sum("items_total"), available=Sum("items_available"))
    assert 0 < totals["available"] < totals["total"], "the demo shows copies on the shelf and on loan"
    # A term of circulation: readers in classes, loans (some overdue), a class corner, a lost book
    # charged; every item on loan has exactly one open loan and every open loan its item out.
    from django_tenants.utils import tenant_context

    from circulation.models import Charge, CornerBatch, Loan, Reader
    from tenants.catalogue.models import Item

    library = Library.objects.get(code="dongcheng_no1")
    with tenant_context(library):
        assert Reader.objects.filter(kind="student", school_class__isnull=False).count() >= 100
        assert Loan.objects.count() >= 20 and Loan.objects.filter(status="returned").exists()
        assert Loan.objects.filter(status="open", due_on__lt="2026-11-27").exists(), "some loans are overdue"
        assert CornerBatch.objects.filter(loans__status="open").exists()
        assert Charge.objects.filter(kind="lost").exists()
        out = set(Item.objects.filter(status="checked_out").values_list("pk", flat=True))
        assert out == set(Loan.objects.filter(status="open").values_list("item_id", flat=True))
    assert client.login(username="dongcheng_no1_admin", password=DEMO_PASSWORD)
    assert client.get("/lib/dongcheng_no1/desk/").status_code == 200
    # Interlibrary loans between the demo libraries: every state, a month of fees, valid messages.
    from tests.config.test_demo_ill import assert_ill_demo

    assert_ill_demo(client)
