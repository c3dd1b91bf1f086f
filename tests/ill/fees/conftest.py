"""Requests completed between members through the core API, as the exchange tests make them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ill.models import IllRequest, RotaEntry, Supply
from ill.services import exchange
from ill.services.transitions import advance_request, advance_supply, next_request_number


def at(day: dt.date) -> dt.datetime:
    """Noon of ``day`` in the consortium's time zone: when a supply completes in a test."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def complete(borrower, lender, record, *, service="Loan", pages=None, max_cost=None, on=None,
             lost_for=None) -> Supply:
    """A request of ``borrower`` supplied by ``lender`` to the end: a loan checked in, a copy of
    ``pages`` sent, or (``lost_for``) a loan lost and compensated with that amount; ``on`` the
    day it completes."""
    request = IllRequest.objects.create(number=next_request_number(), borrower=borrower, union_record=record,
                                        bib={"title": record.title}, status=IllRequest.Status.SOURCING,
                                        service_type=service, max_cost=max_cost)
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=10)
    advance_request(request, "send_to_lender", values={"lender": lender})
    supply = exchange.send_request(request, entry)
    closed = {"closed_at": at(on)} if on else {}
    if pages is not None:
        advance_supply(supply, "send_copy", values={"pages_supplied": pages, **closed})
        return supply
    advance_supply(supply, "will_supply", reason="RequestResponse", answer_yes=True)
    advance_supply(supply, "ship", values={"due_on": "2026-12-30"})
    if lost_for is not None:
        advance_supply(supply, "declare_lost")
        advance_supply(supply, "compensated", values={"cost": lost_for, **closed})
        return supply
    advance_supply(supply, "check_in", values=closed)
    return supply


@pytest.fixture
def record(shared_book):
    return shared_book["record"]
