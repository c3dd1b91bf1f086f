"""The borrower's side: the copy as a temporary item, the reader's loan under the ILL rule, the way back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from core.exceptions import Conflict
from ill.exceptions import RequestRefused
from ill.models import IllPolicy, IllRequest, LibraryIllSettings, Supply
from ill.services import borrowing, lending
from tests.builders import sync
from tests.ill.lending.flow import fresh, is_open_day, item_in, loan_in, request_to
from union.models import UnionHolding

pytestmark = pytest.mark.django_db


def shipped(ill_world, shared_book, reader, today):
    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"], reader=reader)
    lending.answer(supply, "will_supply")
    lending.ship(fresh(supply), today=today)
    return fresh(request), fresh(supply)


def test_a_received_copy_is_held_for_the_reader_and_never_offered_to_others(
        ill_world, shared_book, reader_a, term_day, django_capture_on_commit_callbacks):
    request, _supply = shipped(ill_world, shared_book, reader_a, term_day)
    with pytest.raises(Conflict):
        borrowing.lend_to_reader(request, today=term_day)  # not received yet
    borrowing.receive(request)
    request = fresh(request)
    temp = item_in(ill_world["alpha"], request.temp_item_id)
    assert temp.status == "awaiting_pickup" and temp.discovery_suppress and temp.holdings.discovery_suppress
    assert temp.holdings.instance.title == "红楼梦" and temp.holdings.location == "ILL"
    sync()
    assert not UnionHolding.objects.filter(library=ill_world["alpha"]).exists()
    assert UnionHolding.objects.filter(union_record=shared_book["record"]).count() == 2  # beta and gamma only

    # Alpha answering a request for the same title by auto-respond does not lend the borrowed copy.
    LibraryIllSettings.objects.update_or_create(library=ill_world["alpha"], defaults={"auto_respond": True})
    with django_capture_on_commit_callbacks(execute=True):
        _other, supply = request_to(ill_world["gamma"], ill_world["alpha"], shared_book["record"])
    supply = fresh(supply)
    assert supply.status == Supply.Status.UNFILLED and supply.reason_unfilled == "NotHeld"


def test_the_readers_due_date_keeps_the_return_margin_before_the_lenders(ill_world, shared_book, reader_a,
                                                                         term_day):
    policy = IllPolicy.current()
    policy.loan_days = 10
    policy.save()
    request, supply = shipped(ill_world, shared_book, reader_a, term_day)
    borrowing.receive(request)
    borrowing.lend_to_reader(fresh(request), today=term_day)
    request = fresh(request)
    loan = loan_in(ill_world["alpha"], request.reader_loan_id)
    # the ILL rule's 21 days would end after the lender's date: the reader gets its date less 3 days
    assert loan.due_on <= request.lender_due_on - dt.timedelta(days=policy.return_margin_days)
    assert loan.due_on > term_day and is_open_day(ill_world["alpha"], loan.due_on)
    assert loan.rule["material_type"] == "ill" and loan.rule["ill_request"] == request.number


def test_the_ill_rule_gives_its_own_period_when_the_lender_allows_longer(ill_world, shared_book, reader_a,
                                                                        term_day):
    from circulation.services.calendar import SchoolCalendar
    from circulation.services.rules import ILL_RULE

    request, _supply = shipped(ill_world, shared_book, reader_a, term_day)
    borrowing.receive(request)
    borrowing.lend_to_reader(fresh(request), today=term_day)
    loan = loan_in(ill_world["alpha"], fresh(request).reader_loan_id)
    with tenant_context(ill_world["alpha"]):
        expected = SchoolCalendar().due_date(term_day, ILL_RULE["loan_days"])
    connection.set_schema_to_public()
    assert loan.due_on == expected and loan.rule["max_renewals"] == 0


def test_a_suspended_reader_is_refused_at_pickup(ill_world, shared_book, reader_a, term_day):
    from circulation.models import Reader

    request, _supply = shipped(ill_world, shared_book, reader_a, term_day)
    borrowing.receive(request)
    with tenant_context(ill_world["alpha"]):
        Reader.objects.filter(pk=reader_a.pk).update(status="suspended")
    connection.set_schema_to_public()
    with pytest.raises(RequestRefused) as refused:
        borrowing.lend_to_reader(fresh(request), today=term_day)
    assert refused.value.code == "card_inactive"
    assert fresh(request).status == IllRequest.Status.RECEIVED


def test_a_desk_check_in_of_the_temporary_barcode_then_the_return_to_the_lender(ill_world, shared_book, reader_a,
                                                                               term_day):
    from circulation.services import desk

    alpha = ill_world["alpha"]
    request, supply = shipped(ill_world, shared_book, reader_a, term_day)
    borrowing.receive(request)
    borrowing.lend_to_reader(fresh(request), today=term_day)
    request = fresh(request)
    with tenant_context(alpha):
        outcome = desk.check_in(request.temp_barcode, today=term_day)
    connection.set_schema_to_public()
    assert outcome.loan.pk == request.reader_loan_id
    assert item_in(alpha, request.temp_item_id).status == "available"  # on the ILL shelf, still suppressed

    borrowing.reader_returned(request)
    assert item_in(alpha, request.temp_item_id).status == "in_transit"
    borrowing.ship_return(fresh(request))
    assert item_in(alpha, request.temp_item_id).status == "withdrawn"
    assert item_in(alpha, request.temp_item_id).holdings.instance.deleted
    assert fresh(supply).status == Supply.Status.RETURN_SHIPPED


def test_a_copy_nobody_collected_goes_straight_back(ill_world, shared_book, reader_a, term_day):
    request, supply = shipped(ill_world, shared_book, reader_a, term_day)
    borrowing.receive(request)
    borrowing.ship_return(fresh(request))
    request = fresh(request)
    assert request.status == IllRequest.Status.RETURN_SHIPPED
    assert item_in(ill_world["alpha"], request.temp_item_id).status == "withdrawn"
    lending.check_in(fresh(supply))
    assert fresh(request).status == IllRequest.Status.COMPLETED


def test_a_renewal_asked_twice_at_once_is_refused(ill_world, shared_book, reader_a, term_day):
    request, _supply = shipped(ill_world, shared_book, reader_a, term_day)
    IllRequest.objects.filter(pk=request.pk).update(renewal_pending=True)
    with pytest.raises(RequestRefused) as refused:
        borrowing.ask_renewal(fresh(request))
    assert refused.value.code == "renewal_pending"
