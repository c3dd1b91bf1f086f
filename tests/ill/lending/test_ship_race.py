"""Two clerks shipping the same supply at the same instant: one loan, one shipment."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from core.exceptions import Conflict
from ill.models import Supply, SupplyStatusChange
from ill.services import lending
from tests.concurrency import race
from tests.ill.lending.flow import item_in, request_to

HOLD = 0.5  # seconds the winner keeps its transaction open


def shipping(supply_pk, today, who):
    def contender(barrier):
        with transaction.atomic():
            supply = Supply.objects.get(pk=supply_pk)  # both see it awaiting shipping
            barrier.wait()
            shipped = lending.ship(supply, today=today, actor=who)
            time.sleep(HOLD)
            return shipped.loan_id

    return contender


@pytest.mark.django_db(transaction=True)
def test_two_clerks_shipping_the_same_supply_ship_it_once(ill_world, shared_book, term_day):
    from circulation.models import Loan

    _request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    lending.answer(supply, "will_supply")

    results = race(shipping(supply.pk, term_day, "clerk one"), shipping(supply.pk, term_day, "clerk two"))

    loans = [r for r in results if isinstance(r, int)]
    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(loans) == 1 and len(refusals) == 1, results
    assert isinstance(refusals[0], Conflict)
    supply.refresh_from_db()
    assert supply.status == Supply.Status.LOANED and supply.loan_id == loans[0]
    assert SupplyStatusChange.objects.filter(subject=supply, action="ship").count() == 1
    with tenant_context(ill_world["beta"]):
        assert list(Loan.objects.values_list("pk", "status")) == [(loans[0], "open")]
    connection.set_schema_to_public()
    assert item_in(ill_world["beta"], supply.item_id).status == "on_ill_loan"
