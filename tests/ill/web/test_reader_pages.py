"""A reader's pages: the request form from the OPAC, its refusals, and "my requests"."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from ill.models import IllRequest
from tests.ill.conftest import shelve
from tests.ill.web.conftest import signed_in

pytestmark = pytest.mark.django_db


def form_url(record) -> str:
    return f"/ill/request/{record.urid}/"


def test_the_record_page_offers_the_request_to_a_reader_and_to_staff_only(client, shared_book, reader_client,
                                                                          alpha_staff, make_user, ill_world):
    record = shared_book["record"]
    page = f"/search/record/{record.urid}/"
    assert f'href="{form_url(record)}"' not in client.get(page).content.decode()
    assert f'href="{form_url(record)}"' in reader_client.get(page).content.decode()
    staff_page = alpha_staff.get(page).content.decode()
    assert f'href="/ill/lib/alpha/request/{record.urid}/"' in staff_page
    assert f'href="{form_url(record)}"' not in staff_page
    from tenants.models import Role

    coordinator = make_user("coord", Role.COORDINATOR, region=ill_world["alpha"].region)
    assert "opac-action" not in signed_in(coordinator).get(page).content.decode()


def test_a_reader_places_a_request_and_finds_it_in_my_requests(reader_client, shared_book, reader_account):
    record = shared_book["record"]
    page = reader_client.get(form_url(record))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="ill-request-form"' in html and f'data-urid="{record.urid}"' in html
    assert re.search(r'<label for="id_service_type"', html) and re.search(r'<label for="id_needed_by"', html)

    answer = reader_client.post(form_url(record), {"service_type": "Loan", "needed_by": "2026-12-20",
                                                   "note": "for a class project"})
    assert answer.status_code == 302 and answer["Location"] == "/ill/my/"
    placed = IllRequest.objects.get(reader_user_id=reader_account.pk)
    assert placed.status == IllRequest.Status.AWAITING_APPROVAL and placed.union_record_id == record.pk
    assert str(placed.needed_by) == "2026-12-20"

    mine = reader_client.get("/ill/my/").content.decode()
    assert f'data-request="{placed.number}" data-status="awaiting_approval"' in mine
    assert f'data-cancel="{placed.number}"' in mine


def test_a_title_on_the_readers_own_shelf_is_refused_and_the_copy_shown(reader_client, shared_book, ill_world):
    record = shared_book["record"]
    shelve(ill_world["alpha"], title="红楼梦", call_number="I242.47/C3-2")
    from tests.builders import sync

    sync()
    html = reader_client.post(form_url(record), {"service_type": "Loan"}).content.decode()
    assert 'data-refusal="held_locally"' in html
    assert 'data-call-number="I242.47/C3-2"' in html
    assert not IllRequest.objects.exists()


def test_a_second_request_for_the_same_title_is_refused_as_a_duplicate(reader_client, shared_book):
    record = shared_book["record"]
    assert reader_client.post(form_url(record), {"service_type": "Loan"}).status_code == 302
    html = reader_client.post(form_url(record), {"service_type": "Loan"}).content.decode()
    assert 'data-refusal="duplicate"' in html
    assert IllRequest.objects.count() == 1


def test_a_blocked_reader_is_told_so(reader_client, shared_book, reader_a, ill_world):
    from circulation.models import Reader

    with tenant_context(ill_world["alpha"]):
        Reader.objects.filter(pk=reader_a.pk).update(status=Reader.Status.SUSPENDED)
    connection.set_schema_to_public()
    html = reader_client.post(form_url(shared_book["record"]), {"service_type": "Loan"}).content.decode()
    assert 'data-refusal="reader_blocked"' in html


def test_a_copy_request_needs_its_pages(reader_client, shared_book):
    answer = reader_client.post(form_url(shared_book["record"]), {"service_type": "Copy"})
    assert answer.status_code == 200 and not IllRequest.objects.exists()
    assert 'id="field-pages"' in answer.content.decode()


def test_a_reader_sees_only_their_own_requests_and_cancels_only_their_own(
        reader_client, shared_book, reader_account, ill_world):
    from circulation import auth
    from circulation.models import Reader

    record = shared_book["record"]
    with tenant_context(ill_world["alpha"]):
        other = Reader.objects.create(card_number="A0002", name="李小红", kind="student")
        other_user = auth.account_for(ill_world["alpha"], other)
    connection.set_schema_to_public()
    other_client = signed_in(other_user)
    assert other_client.post(form_url(record), {"service_type": "Loan"}).status_code == 302
    theirs = IllRequest.objects.get(reader_user_id=other_user.pk)
    assert reader_client.post(form_url(record), {"service_type": "Loan"}).status_code == 302
    mine = IllRequest.objects.get(reader_user_id=reader_account.pk)

    html = reader_client.get("/ill/my/").content.decode()
    assert f'data-request="{mine.number}"' in html and f'data-request="{theirs.number}"' not in html
    assert reader_client.post(f"/ill/my/{theirs.pk}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == IllRequest.Status.AWAITING_APPROVAL

    assert reader_client.post(f"/ill/my/{mine.pk}/cancel/").status_code == 302
    mine.refresh_from_db()
    assert mine.status == IllRequest.Status.CANCELLED
    assert f'data-request="{mine.number}" data-status="cancelled"' in reader_client.get("/ill/my/").content.decode()


def test_staff_are_not_readers_here(alpha_staff, shared_book):
    assert alpha_staff.get("/ill/my/").status_code == 403
    assert alpha_staff.get(form_url(shared_book["record"])).status_code == 403


def test_staff_place_for_a_reader_by_card_and_may_override_the_local_copy(alpha_staff, shared_book, ill_world,
                                                                         reader_a, open_day):
    record = shared_book["record"]
    shelve(ill_world["alpha"], title="红楼梦", call_number="I242.47/C3-2")
    from tests.builders import sync

    sync()
    url = f"/ill/lib/alpha/request/{record.urid}/"
    assert 'id="id_card_number"' in alpha_staff.get(url).content.decode()
    refused = alpha_staff.post(url, {"card_number": "A0001", "service_type": "Loan"}).content.decode()
    assert 'data-refusal="held_locally"' in refused
    unknown = alpha_staff.post(url, {"card_number": "NOPE", "service_type": "Loan"})
    assert unknown.status_code == 200 and not IllRequest.objects.exists()
    placed = alpha_staff.post(url, {"card_number": "A0001", "service_type": "Loan", "override_local_copy": "on"})
    assert placed.status_code == 302
    request = IllRequest.objects.get()
    assert request.reader_id == reader_a.pk and request.local_copy_override and request.placed_by_staff
    assert placed["Location"] == f"/ill/lib/alpha/requests/{request.pk}/"
    # Staff requests skip approval: the rota has sent it to a lender.
    assert request.status == IllRequest.Status.REQUESTED
