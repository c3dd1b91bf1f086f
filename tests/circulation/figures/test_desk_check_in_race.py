"""Two desks taking back the same item at once (found by the circulation benchmark): one returns
it, the other is refused with a reason, never an unexplained conflict.

The loser has read the item (checked out) before the winner commits, then waits on the loan's
lock; when the wait ends the loan is closed and the item back on the shelf.
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import translation
from django_tenants.utils import tenant_context

from circulation.exceptions import Refused
from circulation.models import Loan
from circulation.services import desk
from tenants.catalogue.models import Item, ItemStatus, ItemStatusChange
from tests.concurrency import race

HOLD = 0.5  # seconds the winner keeps its transaction open


def desk_returning(library, barcode, today, who):
    def contender(barrier):
        with translation.override("en"), tenant_context(library), transaction.atomic():
            barrier.wait()
            try:
                outcome = desk.check_in(barcode, actor=who, today=today)
            except Refused as refusal:
                return refusal
            time.sleep(HOLD)
            return outcome.code

    return contender


@pytest.mark.django_db(transaction=True)
def test_two_desks_returning_the_same_item_at_once_return_it_once(library, make_reader, make_items, term_day):
    make_reader("甲", card="S0001")
    item = make_items(1)[0]
    with tenant_context(library):
        desk.check_out("S0001", item.barcode, today=term_day)

    results = race(desk_returning(library, item.barcode, term_day, "desk one"),
                   desk_returning(library, item.barcode, term_day, "desk two"))

    assert sorted(r if isinstance(r, str) else type(r).__name__ for r in results) == ["Refused", "ok"], results
    refusal = next(r for r in results if isinstance(r, Refused))
    assert refusal.code in ("not_on_loan", "already_returned")
    with tenant_context(library):
        assert list(Loan.objects.values_list("status", flat=True)) == ["returned"]
        assert Item.objects.get(pk=item.pk).status == ItemStatus.AVAILABLE
        assert ItemStatusChange.objects.filter(subject=item).count() == 2  # out once, back once


def desk_lending(library, card, barcode, today, who):
    def contender(barrier):
        with translation.override("en"), tenant_context(library), transaction.atomic():
            barrier.wait()
            outcome = desk.check_out(card, barcode, actor=who, today=today)
            time.sleep(HOLD)
            return outcome.code

    return contender


@pytest.mark.django_db(transaction=True)
def test_a_return_scanned_while_another_desk_lends_the_item_leaves_it_lent(library, make_reader, make_items,
                                                                           term_day):
    """The return reads the item before the lending commits; it must not put the lent item back."""
    make_reader("甲", card="S0001")
    item = make_items(1)[0]

    results = race(desk_lending(library, "S0001", item.barcode, term_day, "desk one"),
                   desk_returning(library, item.barcode, term_day, "desk two"))

    assert results[0] == "ok", results
    assert isinstance(results[1], Refused) and results[1].code in ("not_on_loan", "changed"), results
    with tenant_context(library):
        assert list(Loan.objects.values_list("status", flat=True)) == ["open"]
        assert Item.objects.get(pk=item.pk).status == ItemStatus.CHECKED_OUT
