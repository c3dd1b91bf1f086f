"""The rota moves on by itself: after an Unfilled, past a lender that did not answer in time, to the
end of the rota with every lender's reason, and again in a new round."""

from __future__ import annotations

import pytest

from core.exceptions import Conflict
from ill.models import IllPolicy, IllRequestStatusChange, RotaEntry, Supply
from ill.services import requests
from ill.services.rota import move_on, record_answer, sweep_timeouts
from ill.services.transitions import advance_supply
from tests.ill.rota.conftest import entries, rota_of, supply_of

pytestmark = pytest.mark.django_db


def unfilled(request, reason="NotOnShelf"):
    advance_supply(supply_of(request), "unfilled", values={"reason_unfilled": reason})
    request.refresh_from_db()


def test_an_unfilled_answer_moves_the_request_to_the_next_lender(place, rota_world):
    request = place()
    first = supply_of(request)
    unfilled(request)
    assert request.status == "requested" and request.lender == rota_world["beta"]
    assert rota_of(request) == [("gamma", "unfilled", "NotOnShelf"), ("beta", "asked", "")]
    first.refresh_from_db()
    second = supply_of(request)
    assert first.status == "unfilled" and second.lender == rota_world["beta"] and second.pk != first.pk
    assert second.rota_entry == entries(request)[1]


def test_a_lender_that_does_not_answer_in_time_is_passed_over_once(place, rota_world, clock):
    request = place()
    first = supply_of(request)
    assert sweep_timeouts() == 0  # not due yet
    clock.advance(days=5)  # Monday after: gamma had Thursday and Friday
    assert sweep_timeouts() == 1
    request.refresh_from_db()
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert request.status == "requested" and request.lender == rota_world["beta"]
    assert rota_of(request) == [("gamma", "no_answer", "no_answer"), ("beta", "asked", "")]
    # exactly one move: one send_to_lender after the first, one lender_unfilled
    actions = list(IllRequestStatusChange.objects.filter(subject=request).values_list("action", flat=True))
    assert actions.count("send_to_lender") == 2 and actions.count("lender_unfilled") == 1
    assert sweep_timeouts() == 0  # the next lender's deadline is days away; nothing twice
    assert Supply.objects.filter(request=request).count() == 2


def test_a_sweep_passed_a_moment_in_the_future_passes_every_overdue_lender(place, rota_world, clock):
    request = place()
    later = clock.moment.replace(year=2027)
    assert sweep_timeouts(now=later) == 1  # the next lender was asked after the sweep began
    request.refresh_from_db()
    assert request.lender == rota_world["beta"]


def test_a_lender_that_expects_to_supply_but_never_does_is_passed_over(place, rota_world, clock):
    request = place()
    advance_supply(supply_of(request), "expect_to_supply")
    request.refresh_from_db()
    assert request.status == "expect_to_supply"
    clock.advance(days=5)
    assert sweep_timeouts() == 1
    request.refresh_from_db()
    assert request.lender == rota_world["beta"] and entries(request)[0].outcome == "no_answer"


def test_a_lender_that_will_supply_is_not_swept(place, rota_world, clock):
    request = place()
    advance_supply(supply_of(request), "will_supply")
    clock.advance(days=30)
    assert sweep_timeouts() == 0
    request.refresh_from_db()
    assert request.status == "will_supply" and entries(request)[0].outcome == "supplying"


def test_the_end_of_the_rota_keeps_every_lenders_reason_and_a_rerota_starts_round_two(place, rota_world,
                                                                                       ill_staff, clock):
    policy = IllPolicy.current()
    policy.lenders_of_last_resort.add(rota_world["delta"])
    request = place()
    unfilled(request, "NotOnShelf")  # gamma
    clock.advance(days=5)
    assert sweep_timeouts() == 1  # beta does not answer
    request.refresh_from_db()
    assert request.lender == rota_world["delta"]
    unfilled(request, "PolicyProblem")  # delta, the last resort
    assert request.status == "end_of_rota"
    assert rota_of(request) == [("gamma", "unfilled", "NotOnShelf"), ("beta", "no_answer", "no_answer"),
                                ("delta", "unfilled", "PolicyProblem")]
    assert not RotaEntry.objects.filter(request=request, outcome__in=("waiting", "asked")).exists()

    requests.rerota(request, actor=ill_staff["alpha"])
    request.refresh_from_db()
    assert request.status == "requested" and request.lender == rota_world["gamma"]
    assert [(e.lender.code, e.outcome) for e in entries(request, round=2)] == [
        ("gamma", "asked"), ("beta", "waiting"), ("delta", "waiting")]
    assert len(entries(request, round=1)) == 3


def test_an_empty_rota_ends_at_once_and_the_request_can_be_cancelled(place, rota_world, ill_staff):
    for code in ("beta", "gamma"):
        type(rota_world[code]).objects.filter(pk=rota_world[code].pk).update(ill_lending=False)
    request = place()
    assert request.status == "end_of_rota"
    requests.cancel(request, actor=ill_staff["alpha"])
    request.refresh_from_db()
    assert request.status == "cancelled"
    with pytest.raises(Conflict):
        requests.rerota(request, actor=ill_staff["alpha"])


def test_move_on_and_record_answer_are_harmless_when_repeated(place, rota_world):
    request = place()
    assert move_on(request) is None  # a lender has it: nothing to do
    assert Supply.objects.filter(request=request).count() == 1
    first = supply_of(request)
    unfilled(request)
    # the same answer delivered twice changes nothing, and asks nobody else
    assert record_answer(request, supply=first, outcome="unfilled", code="again") is False
    assert move_on(request) is None
    assert rota_of(request) == [("gamma", "unfilled", "NotOnShelf"), ("beta", "asked", "")]
    assert Supply.objects.filter(request=request).count() == 2


def test_a_lender_closed_since_the_rota_was_built_is_skipped_when_its_turn_comes(place, rota_world, term_day):
    import datetime as dt

    from django.db import connection
    from django_tenants.utils import tenant_context

    from circulation.models import CalendarPeriod

    request = place()
    with tenant_context(rota_world["beta"]):
        CalendarPeriod.objects.create(kind="vacation", name="寒假", starts_on=term_day,
                                      ends_on=term_day + dt.timedelta(days=20), library_open=False)
    connection.set_schema_to_public()
    unfilled(request)
    assert request.status == "end_of_rota"
    assert rota_of(request) == [("gamma", "unfilled", "NotOnShelf"), ("beta", "skipped", "closed")]
