"""While the copy is away: renewals answered, recalls, the overdue sweep, a loss compensated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from ill.exceptions import RequestRefused
from ill.models import IllRequest, Supply, SupplyStatusChange
from ill.services import borrowing, lending
from tests.ill.lending.flow import fresh, is_open_day, item_in, loan_in, shipped_to_reader

pytestmark = pytest.mark.django_db


def test_a_renewal_is_granted_once_and_then_refused(ill_world, shared_book, reader_a, term_day):
    request, supply = shipped_to_reader(ill_world, shared_book, reader_a, term_day)
    first_due, reader_due = supply.due_on, loan_in(ill_world["alpha"], request.reader_loan_id).due_on

    borrowing.ask_renewal(request)
    supply, request = fresh(supply), fresh(request)
    assert supply.renewals == 1 and supply.due_on > first_due and is_open_day(ill_world["beta"], supply.due_on)
    assert loan_in(ill_world["beta"], supply.loan_id).due_on == supply.due_on
    assert request.lender_due_on == supply.due_on and not request.renewal_pending
    # the reader's loan follows, still ahead of the lender's date
    new_reader_due = loan_in(ill_world["alpha"], request.reader_loan_id).due_on
    assert reader_due < new_reader_due < request.lender_due_on
    assert SupplyStatusChange.objects.filter(subject=supply, action="renewed").count() == 1

    borrowing.ask_renewal(request)  # the policy grants one
    supply, request = fresh(supply), fresh(request)
    assert supply.renewals == 1 and request.lender_due_on == supply.due_on and not request.renewal_pending
    assert SupplyStatusChange.objects.filter(subject=supply, action="renewal_refused").count() == 1
    assert request.status == IllRequest.Status.WITH_READER


def test_a_recalled_copy_is_not_renewed(ill_world, shared_book, reader_a, term_day):
    request, supply = shipped_to_reader(ill_world, shared_book, reader_a, term_day)
    lending.recall(supply)
    assert fresh(supply).status == Supply.Status.RECALLED
    request = fresh(request)
    assert request.recalled and request.supplier_status == "Recalled"
    with pytest.raises(RequestRefused) as refused:
        borrowing.ask_renewal(request)
    assert refused.value.code == "recalled"
    lending.answer_renewal(fresh(supply))  # a Renew that arrives anyway is answered no
    assert fresh(supply).renewals == 0 and fresh(supply).status == Supply.Status.RECALLED


def test_the_overdue_sweep_marks_late_loans_once_and_a_renewal_clears_it(ill_world, shared_book, reader_a,
                                                                         term_day):
    request, supply = shipped_to_reader(ill_world, shared_book, reader_a, term_day)
    assert lending.sweep_overdues(today=supply.due_on) == 0
    assert lending.sweep_overdues(today=supply.due_on + dt.timedelta(days=1)) == 1
    assert fresh(supply).status == Supply.Status.OVERDUE
    assert fresh(request).supplier_status == "Overdue"
    assert lending.sweep_overdues(today=supply.due_on + dt.timedelta(days=2)) == 0

    borrowing.ask_renewal(fresh(request))
    supply = fresh(supply)
    assert supply.status == Supply.Status.LOANED and supply.renewals == 1
    assert fresh(request).lender_due_on == supply.due_on


def test_a_lost_copy_is_compensated_and_both_sides_close_without_return(ill_world, shared_book, reader_a,
                                                                        term_day):
    from circulation.models import Charge

    alpha, beta = ill_world["alpha"], ill_world["beta"]
    request, supply = shipped_to_reader(ill_world, shared_book, reader_a, term_day)

    borrowing.declare_lost(request)
    request = fresh(request)
    assert request.status == IllRequest.Status.LOST
    assert loan_in(alpha, request.reader_loan_id).status == "lost"
    assert item_in(alpha, request.temp_item_id).status == "withdrawn"
    with tenant_context(alpha):
        assert Charge.objects.filter(reader_id=reader_a.pk, kind="lost", status="open").count() == 1
    connection.set_schema_to_public()

    lending.declare_lost(fresh(supply))
    supply = fresh(supply)
    assert supply.status == Supply.Status.LOST
    assert loan_in(beta, supply.loan_id).status == "lost"
    assert item_in(beta, supply.item_id).status == "lost"

    lending.compensated(supply, amount="45.5")
    supply = fresh(supply)
    assert supply.status == Supply.Status.COMPLETED_WITHOUT_RETURN
    # the compensation goes on the supply's fee line, and the cost sent is the fee plus it
    assert supply.fee.compensation == Decimal("45.50")
    assert supply.cost == supply.fee.amount + Decimal("45.50")
    request = fresh(request)
    assert request.status == IllRequest.Status.COMPLETED_WITHOUT_RETURN and request.closed_at is not None


def test_a_copy_checked_in_at_the_lenders_desk_still_completes_the_supply(ill_world, shared_book, reader_a,
                                                                        term_day):
    from circulation.services import desk

    beta = ill_world["beta"]
    request, supply = shipped_to_reader(ill_world, shared_book, reader_a, term_day)
    borrowing.reader_returned(request)
    borrowing.ship_return(fresh(request))
    with tenant_context(beta):
        desk.check_in(supply.item_barcode)
    connection.set_schema_to_public()
    lending.check_in(fresh(supply))
    assert fresh(supply).status == Supply.Status.LOAN_COMPLETED
    assert item_in(beta, supply.item_id).status == "available"
    assert fresh(request).status == IllRequest.Status.COMPLETED
