"""Readers sign in with card and PIN as an opaque public account, and see only their own loans."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from circulation import auth
from circulation.models import Reader
from circulation.services import desk, readers
from tenants.models import Membership, Role


@pytest.fixture(autouse=True)
def _no_failures_left_over():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def card(library, make_reader):
    reader = make_reader("王小明", card="S0001", student_number="2026001")
    with tenant_context(library):
        readers.set_pin(reader, "2468")
    connection.set_schema_to_public()
    return reader


def sign_in(client, pin, card_number="S0001"):
    return client.post("/lib/alpha/reader-login/", {"card_number": card_number, "pin": pin})


def test_the_right_pin_signs_in_an_opaque_account(card, library):
    client = Client()
    response = sign_in(client, "2468")
    assert response.status_code == 302 and response["Location"] == "/lib/alpha/my/loans/"
    user = get_user_model().objects.get(username=f"reader-{library.pk}-{card.pk}")
    assert (user.first_name, user.last_name, user.email) == ("", "", "")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, library=library, role=Role.STUDENT).exists()
    with tenant_context(library):
        assert Reader.objects.get(pk=card.pk).user_id == user.pk
    connection.set_schema_to_public()
    assert int(client.session["_auth_user_id"]) == user.pk
    # Signing in again uses the same account.
    sign_in(Client(), "2468")
    assert get_user_model().objects.filter(username__startswith="reader-").count() == 1


def test_a_wrong_pin_signs_nobody_in(card):
    client = Client()
    response = sign_in(client, "1111")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"][0]
    assert not get_user_model().objects.filter(username__startswith="reader-").exists()


def test_a_suspended_card_cannot_sign_in(card, library):
    with tenant_context(library):
        readers.set_status(Reader.objects.get(pk=card.pk), "suspended", reason="x")
    connection.set_schema_to_public()
    assert sign_in(Client(), "2468").status_code == 200


def test_five_wrong_pins_lock_the_card(card, library):
    for _ in range(auth.MAX_FAILURES):
        assert sign_in(Client(), "0000").status_code == 200
    client = Client()
    response = sign_in(client, "2468")  # the right PIN, too late
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert response.context["form"].errors.as_data()["__all__"][0].code == "locked"
    cache.delete(auth._failures_key(library, "S0001"))  # 15 minutes later
    assert sign_in(Client(), "2468").status_code == 302


def test_the_backend_reads_the_card_file_only_inside_its_library(card, library):
    from django.contrib.auth import authenticate

    assert authenticate(None, library=library, card_number="S0001", pin="2468") is None  # public schema
    with tenant_context(library):
        assert authenticate(None, library=library, card_number="S0001", pin="2468") is not None
    connection.set_schema_to_public()


@pytest.fixture
def two_readers_with_loans(card, library, make_reader, make_items, term_day):
    other = make_reader("李四", card="S0002")
    mine, theirs = make_items(2)
    with tenant_context(library):  # lent long ago: overdue now
        desk.check_out("S0001", mine.barcode, today=term_day - dt.timedelta(days=400))
        desk.check_out("S0002", theirs.barcode, today=term_day - dt.timedelta(days=400))
    connection.set_schema_to_public()
    return mine, theirs, other


def signed_in_api(library, card) -> APIClient:
    client = Client()
    sign_in(client, "2468")
    user = get_user_model().objects.get(username=f"reader-{library.pk}-{card.pk}")
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_my_loans_shows_only_my_own(two_readers_with_loans, card, library):
    mine, theirs, _other = two_readers_with_loans
    api = signed_in_api(library, card)
    response = api.get("/api/v1/libraries/alpha/my/loans/")
    assert response.status_code == 200
    loans = response.json()["results"]
    assert [loan["barcode"] for loan in loans] == [mine.barcode]
    assert loans[0]["overdue"] is True and loans[0]["due_on"] < timezone.localdate().isoformat()


def test_my_loans_page_shows_only_my_own(two_readers_with_loans, card):
    mine, theirs, _other = two_readers_with_loans
    client = Client()
    sign_in(client, "2468")
    response = client.get("/lib/alpha/my/loans/")
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.barcode in body and theirs.barcode not in body and 'data-overdue="1"' in body


def test_i_renew_my_own_loan_but_not_anothers(two_readers_with_loans, card, library):
    from circulation.models import CirculationPolicy

    mine, theirs, _other = two_readers_with_loans
    with tenant_context(library):
        CirculationPolicy.current()
    connection.set_schema_to_public()
    api = signed_in_api(library, card)
    response = api.post("/api/v1/libraries/alpha/my/loans/renew/", {"barcode": mine.barcode}, format="json")
    assert response.status_code == 200 and response.json()["renewals"] == 1
    response = api.post("/api/v1/libraries/alpha/my/loans/renew/", {"barcode": theirs.barcode}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_on_loan"


def test_a_member_without_a_card_gets_a_clear_404(library, desk_staff, api_as):
    response = api_as(desk_staff).get("/api/v1/libraries/alpha/my/loans/")
    assert response.status_code == 404 and response.json()["code"] == "no_reader_card"
    client = Client()
    client.force_login(desk_staff)
    response = client.get("/lib/alpha/my/loans/")
    assert response.status_code == 404 and b'data-code="no_reader_card"' in response.content
