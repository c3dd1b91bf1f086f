"""Placing a request: each refusal has its code, approval when the library wants it, and the reader
stays at home: their name is in no row the lenders or the messages see."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from core.exceptions import Conflict
from ill.exceptions import RequestRefused
from ill.models import IllMessage, IllRequest, IllRequestStatusChange, LibraryIllSettings, RotaEntry, Supply
from ill.services import requests
from tests.builders import sync, withdraw_instance
from tests.ill.conftest import shelve
from tests.ill.rota.conftest import rota_of, supply_of

pytestmark = pytest.mark.django_db


def refused(code, place, *args, **kwargs):
    with pytest.raises(RequestRefused) as caught:
        place(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_a_staff_request_goes_to_the_best_lender_at_once(place, reader_a, rota_world):
    request = place(reader_a, by_staff=True)
    assert request.status == "requested" and request.lender == rota_world["gamma"]
    assert request.reader_id == reader_a.pk and request.placed_by_staff
    assert request.bib["title"] == "红楼梦" and request.bib["urid"] and request.bib["isbns"]
    assert IllRequestStatusChange.objects.filter(subject=request, action="placed").exists()
    supply = supply_of(request)
    assert supply.lender == rota_world["gamma"] and supply.requester_request_id == request.number


def test_a_readers_request_waits_for_approval_then_goes_out(place, reader_a, ill_staff, rota_world):
    request = place(reader_a)
    assert request.status == "awaiting_approval" and not RotaEntry.objects.filter(request=request).exists()
    assert not Supply.objects.filter(request=request).exists()

    requests.approve(request, actor=ill_staff["alpha"])
    request.refresh_from_db()
    assert request.status == "requested" and request.lender == rota_world["gamma"]


def test_a_library_without_approval_sends_readers_requests_at_once(place, reader_a, rota_world):
    settings = LibraryIllSettings.for_library(rota_world["alpha"])
    settings.approval_required = False
    settings.save()
    assert place(reader_a).status == "requested"


def test_a_rejected_request_never_reaches_a_lender(place, reader_a, ill_staff):
    request = place(reader_a)
    requests.reject(request, actor=ill_staff["alpha"], note="not for class work")
    request.refresh_from_db()
    assert request.status == "rejected" and request.closed_at is not None
    assert not Supply.objects.filter(request=request).exists()
    with pytest.raises(Conflict):
        requests.approve(request, actor=ill_staff["alpha"])


def test_a_copy_on_our_own_shelf_refuses_unless_staff_override(place, reader_a, rota_world, shared_book):
    shelve(rota_world["alpha"], title="红楼梦")
    sync()
    refused("held_locally", place, reader_a)
    refused("held_locally", place, reader_a, by_staff=True)
    request = place(reader_a, by_staff=True, override_local_copy=True)
    assert request.status == "requested" and request.local_copy_override


def test_a_copy_of_ours_that_is_out_does_not_refuse(place, reader_a, rota_world, shared_book):
    from tests.builders import set_item_status

    _instance, items = shelve(rota_world["alpha"], title="红楼梦")
    sync()
    set_item_status(rota_world["alpha"], items[0], "checked_out")
    assert place(reader_a, by_staff=True).status == "requested"


@pytest.mark.parametrize("change", ["suspended", "left"])
def test_a_reader_whose_card_is_not_active_is_refused(place, reader_a, rota_world, change):
    from circulation.models import Reader

    with tenant_context(rota_world["alpha"]):
        Reader.objects.filter(pk=reader_a.pk).update(status=change)
    connection.set_schema_to_public()
    refused("reader_blocked", place, reader_a)
    refused("reader_blocked", place, reader_a, by_staff=True)


def test_a_reader_with_overdue_items_is_refused(place, reader_a, rota_world, term_day):
    from circulation.services import desk

    _instance, items = shelve(rota_world["alpha"], title="西游记", isbn="9787020008735")
    with tenant_context(rota_world["alpha"]):
        outcome = desk.check_out(reader_a.card_number, items[0].barcode, today=term_day - dt.timedelta(days=90))
        assert outcome.loan.due_on < term_day
    connection.set_schema_to_public()
    refused("reader_blocked", place, reader_a)


def test_a_reader_with_an_open_charge_is_refused(place, reader_a, rota_world):
    from circulation.models import Charge

    with tenant_context(rota_world["alpha"]):
        Charge.objects.create(reader_id=reader_a.pk, kind="other", amount="5.00")
    connection.set_schema_to_public()
    refused("reader_blocked", place, reader_a)


def test_a_second_open_request_for_the_same_record_is_refused(place, reader_a, ill_staff):
    first = place(reader_a, by_staff=True)
    refused("duplicate", place, reader_a)
    requests.cancel(first, actor=ill_staff["alpha"])
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert place(reader_a, by_staff=True).status == "requested"  # the first one is closed now


def test_a_withdrawn_record_is_refused(place, reader_a, rota_world, shared_book):
    from tenants.catalogue.models import Item

    record = shared_book["record"]
    for code in ("beta", "gamma"):
        with tenant_context(rota_world[code]):
            instance = Item.objects.get(pk=shared_book[code][0].pk).holdings.instance
        withdraw_instance(rota_world[code], instance)
    sync()
    record.refresh_from_db()
    assert record.deleted
    refused("no_record", place, reader_a)


def test_a_library_that_does_not_borrow_is_refused(place, reader_a, rota_world):
    type(rota_world["alpha"]).objects.filter(pk=rota_world["alpha"].pk).update(ill_borrowing=False)
    refused("not_borrowing", place, reader_a, by_staff=True)


def test_cancelling_while_a_lender_has_it_cancels_both_sides(place, reader_a, ill_staff):
    request = place(reader_a, by_staff=True)
    supply = supply_of(request)
    requests.cancel(request, actor=ill_staff["alpha"], note="no longer needed")
    request.refresh_from_db()
    supply.refresh_from_db()
    assert (request.status, supply.status) == ("cancelled", "cancelled")
    assert {outcome for _code, outcome, _why in rota_of(request)} <= {"cancelled", "skipped"}


def test_cancelling_a_request_awaiting_approval(place, reader_a, ill_staff):
    request = place(reader_a)
    requests.cancel(request, actor=ill_staff["alpha"])
    request.refresh_from_db()
    assert request.status == "cancelled"


def test_the_readers_name_is_in_no_row_a_lender_or_a_message_sees(place, reader_a, rota_world, clock):
    from ill.services.rota import sweep_timeouts
    from ill.services.transitions import advance_supply

    settings = LibraryIllSettings.for_library(rota_world["alpha"])
    settings.approval_required = False
    settings.save()
    request = place(reader_a, note="for the reading club", pickup_point="Library desk")
    advance_supply(supply_of(request), "unfilled", values={"reason_unfilled": "NotOnShelf"})
    clock.advance(days=7)
    sweep_timeouts()

    stored = []
    for model in (IllRequest, Supply, IllMessage, RotaEntry, IllRequestStatusChange):
        stored += [json.dumps(row, ensure_ascii=False, default=str) for row in model.objects.values()]
    assert len(stored) > 6
    text = "\n".join(stored)
    assert reader_a.name not in text and reader_a.card_number not in text and reader_a.email not in text
