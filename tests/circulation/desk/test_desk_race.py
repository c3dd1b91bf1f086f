"""Two desks at the same instant, each on its own database connection: the item goes out once.

Each desk's transaction stays open a moment after it lends, so the other desk has read the item
on the shelf before the first one commits: only the conditional update of the item's status can
stop it, and it does.
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import translation
from django_tenants.utils import tenant_context

from circulation.exceptions import Refused
from circulation.models import DeskEvent, Loan
from circulation.services import desk
from tenants.catalogue.models import Item, ItemStatus, ItemStatusChange
from tests.concurrency import race

HOLD = 0.5  # seconds a winner keeps its transaction open


def desk_lending(library, card, barcode, today, who):
    def contender(barrier):
        with translation.override("en"), tenant_context(library), transaction.atomic():
            barrier.wait()
            try:
                outcome = desk.check_out(card, barcode, actor=who, today=today)
            except Refused as refusal:
                return refusal  # commits the desk's log of it, as a desk outside any transaction would
            time.sleep(HOLD)
            return outcome.loan.pk

    return contender


@pytest.mark.django_db(transaction=True)
def test_two_desks_lending_the_same_item_at_once_make_exactly_one_loan(library, make_reader, make_items, term_day):
    make_reader("甲", card="S0001")
    make_reader("乙", card="S0002")
    item = make_items(1)[0]

    results = race(desk_lending(library, "S0001", item.barcode, term_day, "desk one"),
                   desk_lending(library, "S0002", item.barcode, term_day, "desk two"))

    loans = [r for r in results if isinstance(r, int)]
    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(loans) == 1 and len(refusals) == 1, results
    assert isinstance(refusals[0], Refused) and refusals[0].code == "item_on_loan"
    # refused by the conditional update itself, not by an earlier read: the other desk saw the shelf
    assert "just lent at another desk" in refusals[0].message
    with tenant_context(library):
        assert list(Loan.objects.filter(item=item).values_list("pk", "status")) == [(loans[0], "open")]
        assert Item.objects.get(pk=item.pk).status == ItemStatus.CHECKED_OUT
        assert ItemStatusChange.objects.filter(subject=item).count() == 1
        assert sorted(DeskEvent.objects.values_list("ok", "code")) == [(False, "item_on_loan"), (True, "ok")]


@pytest.mark.django_db(transaction=True)
def test_two_desks_lending_a_reader_their_last_allowed_item_lend_only_one(library, make_reader, make_items,
                                                                          term_day):
    make_reader("甲", card="S0001")
    first, wanted_here, wanted_there = make_items(3)
    with tenant_context(library):
        desk.check_out("S0001", first.barcode, today=term_day)  # students may have two

    results = race(desk_lending(library, "S0001", wanted_here.barcode, term_day, "desk one"),
                   desk_lending(library, "S0001", wanted_there.barcode, term_day, "desk two"))

    loans = [r for r in results if isinstance(r, int)]
    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(loans) == 1 and len(refusals) == 1, results
    assert isinstance(refusals[0], Refused) and refusals[0].code == "over_limit"
    with tenant_context(library):
        assert Loan.objects.filter(reader__card_number="S0001", status="open").count() == 2
        lent = set(Loan.objects.filter(status="open").values_list("item_id", flat=True))
        statuses = dict(Item.objects.filter(pk__in=[wanted_here.pk, wanted_there.pk]).values_list("pk", "status"))
    assert sorted(statuses.values()) == ["available", "checked_out"]
    assert {pk for pk, status in statuses.items() if status == "checked_out"} <= lent
