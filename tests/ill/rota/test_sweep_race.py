"""Two sweepers at once, each on its own database connection: an overdue lender is passed over once,
and the request goes to exactly the next lender, not the one after."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from ill.models import IllRequest, IllRequestStatusChange, Supply
from ill.services.rota import due_entries, sweep_entry, sweep_timeouts
from tests.concurrency import race
from tests.ill.conftest import shelve
from tests.ill.rota.conftest import rota_of

HOLD = 0.5  # seconds a winner keeps its transaction open


def sweeper(now):
    def contender(barrier):
        with transaction.atomic():
            due = due_entries(now)
            barrier.wait()  # both have seen the same overdue lender
            moved = sum(sweep_entry(pk, now) for pk in due)
            time.sleep(HOLD)
            return moved

    return contender


def whole_sweep(barrier):
    barrier.wait()
    return sweep_timeouts()


@pytest.fixture
def three_lenders(rota_world, shared_book):
    from tests.builders import sync

    shelve(rota_world["delta"], title="红楼梦")
    sync()
    return rota_world


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("contenders", ["claim", "whole"])
def test_two_sweepers_at_once_pass_over_one_lender(three_lenders, place, clock, contenders):
    request = place()
    assert [code for code, *_rest in rota_of(request)] == ["gamma", "beta", "delta"]
    clock.advance(days=5)
    if contenders == "claim":
        results = race(sweeper(clock.moment), sweeper(clock.moment))
    else:
        results = race(whole_sweep, whole_sweep)

    assert sorted(results) == [0, 1], results
    request = IllRequest.objects.get(pk=request.pk)
    assert request.status == "requested" and request.lender.code == "beta"
    assert rota_of(request) == [("gamma", "no_answer", "no_answer"), ("beta", "asked", ""), ("delta", "waiting", "")]
    assert sorted(Supply.objects.filter(request=request).values_list("lender__code", "status")) == [
        ("beta", "new"), ("gamma", "cancelled")]
    actions = list(IllRequestStatusChange.objects.filter(subject=request).values_list("action", flat=True))
    assert actions.count("send_to_lender") == 2
