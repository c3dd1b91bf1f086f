"""Notices at each step reach the library's ILL staff and the reader, in-app and by e-mail."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from ill.models import LibraryIllSettings, Notification
from ill.services import notify
from ill.services.transitions import advance_supply
from tests.ill.api.conftest import request_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(ill_world, shared_book, reader_user, reader_a, django_capture_on_commit_callbacks):
    LibraryIllSettings.objects.create(library=ill_world["alpha"], notify_email="ill@alpha.example.org")
    ill_world["beta"].contact_email = "desk@beta.example.org"
    ill_world["beta"].save(update_fields=["contact_email"])
    with django_capture_on_commit_callbacks(execute=True):
        request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"], reader=reader_a)
    return request, supply


def test_the_lender_hears_of_a_new_request_in_app_and_by_mail(api_as, ill_staff, loan):
    request, supply = loan
    notices = api_as(ill_staff["beta"]).get("/api/v1/ill/notifications/").json()["results"]
    assert [(n["kind"], n["number"], n["library"]) for n in notices] == [("new_supply", supply.number, "beta")]
    assert supply.number in notices[0]["text"]
    assert [m.to for m in mail.outbox] == [["desk@beta.example.org"]]
    # The borrower's staff and another library hear nothing of it.
    assert api_as(ill_staff["gamma"]).get("/api/v1/ill/notifications/").json()["results"] == []


def test_the_borrower_hears_the_answer_and_the_reader_hears_the_item_arrived(
        api_as, ill_staff, loan, reader_user, django_capture_on_commit_callbacks):
    request, supply = loan
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance_supply(supply, "will_supply", reason="RequestResponse", answer_yes=True)
    staff = api_as(ill_staff["alpha"]).get("/api/v1/ill/notifications/").json()["results"]
    assert [(n["kind"], n["number"]) for n in staff] == [("will_supply", request.number)]
    assert [m.to for m in mail.outbox] == [["ill@alpha.example.org"]]

    mail.outbox.clear()
    request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notify.request_changed(request, "ready_for_pickup")
        notify.request_changed(request, "ready_for_pickup")  # said once is enough
    mine = api_as(reader_user).get("/api/v1/ill/notifications/").json()["results"]
    assert [(n["kind"], n["number"], n["library"]) for n in mine] == [("ready_for_pickup", request.number, None)]
    # Mailed to the address in the reader's own library, which the public schema never holds.
    assert [m.to for m in mail.outbox] == [["xiaoming@example.org"]]
    stored = json.dumps(list(Notification.objects.values("message", "params")), ensure_ascii=False)
    assert "xiaoming" not in stored and "张小明" not in stored
    # The staff do not read the reader's notices, nor the reader the staff's.
    assert "ready_for_pickup" not in {n["kind"] for n in
                                      api_as(ill_staff["alpha"]).get("/api/v1/ill/notifications/").json()["results"]}


def test_notices_are_marked_read(api_as, ill_staff, loan):
    client = api_as(ill_staff["beta"])
    assert len(client.get("/api/v1/ill/notifications/?unread=true").json()["results"]) == 1
    assert client.post("/api/v1/ill/notifications/read/", {}, format="json").json() == {"marked": 1}
    assert client.get("/api/v1/ill/notifications/?unread=true").json()["results"] == []
    assert client.post("/api/v1/ill/notifications/read/", {"ids": [1, 2]}, format="json").json() == {"marked": 0}


def test_a_notice_is_shown_in_the_viewers_language(loan):
    _request, supply = loan
    notice = Notification.objects.get(supply=supply)
    assert notice.message.startswith("New incoming request")  # kept as the English msgid
    for language in ("en", "zh-hans"):
        assert supply.number in notify.render(notice, language)


def test_end_of_rota_reaches_staff_and_reader(api_as, ill_staff, loan, reader_user):
    request, _supply = loan
    notify.request_changed(request, "end_rota")
    assert "end_rota" in {n["kind"] for n in
                          api_as(ill_staff["alpha"]).get("/api/v1/ill/notifications/").json()["results"]}
    assert "end_rota" in {n["kind"] for n in api_as(reader_user).get("/api/v1/ill/notifications/").json()["results"]}


def test_a_lender_withdrawing_is_not_told_to_the_reader_as_a_cancellation(api_as, ill_staff, loan, reader_user):
    request, supply = loan
    advance_supply(supply, "cancel")  # the lender cancels its side; the rota moves on
    request.refresh_from_db()
    assert request.status != "cancelled"
    staff = {n["kind"] for n in api_as(ill_staff["alpha"]).get("/api/v1/ill/notifications/").json()["results"]}
    assert "unfilled" in staff and "cancelled" not in staff
    mine = {n["kind"] for n in api_as(reader_user).get("/api/v1/ill/notifications/").json()["results"]}
    assert "cancelled" not in mine
