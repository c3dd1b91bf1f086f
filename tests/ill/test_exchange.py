"""Both sides of a request move together: each lender step reaches the borrower as a message."""

from __future__ import annotations

import pytest

from core.exceptions import Conflict
from ill.models import IllMessage, IllRequest, IllRequestStatusChange, RotaEntry, Supply, SupplyStatusChange
from ill.services import exchange
from ill.services.transitions import advance_request, advance_supply, next_request_number

pytestmark = pytest.mark.django_db


def _request_to(borrower, lender, record):
    request = IllRequest.objects.create(number=next_request_number(), borrower=borrower, union_record=record,
                                        bib={"title": record.title}, status=IllRequest.Status.SOURCING)
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=10)
    advance_request(request, "send_to_lender", values={"lender": lender})
    supply = exchange.send_request(request, entry)
    return request, supply


def test_a_lenders_answers_move_the_borrowers_request(ill_world, shared_book):
    request, supply = _request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    assert supply.lender == ill_world["beta"] and supply.requester_request_id == request.number
    request.refresh_from_db()
    assert request.status == "requested" and request.supplier_status == "RequestReceived"

    advance_supply(supply, "will_supply", reason="RequestResponse", answer_yes=True)
    advance_supply(supply, "print_pull_slip")
    request.refresh_from_db()
    assert request.status == "will_supply" and request.supplier_status == "WillSupply"

    advance_supply(supply, "ship", values={"due_on": "2026-12-30"})
    request.refresh_from_db()
    assert request.status == "shipped" and str(request.lender_due_on) == "2026-12-30"

    advance_request(request, "receive")
    advance_request(request, "ship_return")
    supply.refresh_from_db()
    assert supply.status == "return_shipped"
    advance_supply(supply, "check_in")
    request.refresh_from_db()
    assert request.status == "completed" and request.closed_at is not None
    # Every change of either side has its audit row, and every message was kept.
    assert IllRequestStatusChange.objects.filter(subject=request).count() >= 6
    assert SupplyStatusChange.objects.filter(subject=supply).count() >= 5
    kinds = set(IllMessage.objects.filter(request=request).values_list("kind", flat=True))
    assert kinds == {"Request", "SupplyingAgencyMessage", "RequestingAgencyMessage"}


def test_a_cancel_before_shipping_cancels_both_sides(ill_world, shared_book):
    request, supply = _request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    advance_request(request, "ask_cancel")
    request.refresh_from_db()
    supply.refresh_from_db()
    assert (request.status, supply.status) == ("cancelled", "cancelled")


def test_a_cancel_after_shipping_is_refused_by_the_lender(ill_world, shared_book):
    request, supply = _request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    advance_supply(supply, "will_supply")
    request.refresh_from_db()
    stale = IllRequest.objects.get(pk=request.pk)
    advance_supply(supply, "ship")
    with pytest.raises(Conflict):
        advance_request(stale, "ask_cancel")  # saw will_supply, the request moved on meanwhile
    request.refresh_from_db()
    assert request.status == "shipped"


def test_a_request_is_never_supplied_twice(ill_world, shared_book):
    from django.db import IntegrityError, transaction

    request, supply = _request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Supply.objects.create(number="S-dup", lender=ill_world["gamma"], request=request,
                              requester_request_id=request.number)
