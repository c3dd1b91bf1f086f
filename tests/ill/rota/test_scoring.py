"""Who is asked first and why: the policy's points with their reasons, skips with theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import translation
from django_tenants.utils import tenant_context

from ill.models import IllPolicy, IllRequest, LibraryIllSettings, RotaEntry
from ill.services import exchange
from ill.services.rota import build_rota, explain
from ill.services.transitions import advance_request, advance_supply, next_request_number
from tests.builders import sync, union_record_of
from tests.ill.conftest import shelve
from tests.ill.rota.conftest import at, entries, rota_of

pytestmark = pytest.mark.django_db


def reasons_of(entry) -> dict:
    return {r["code"]: r["points"] for r in entry.reasons}


def filled_loan(borrower, lender, record):
    """A request of ``borrower`` that ``lender`` shipped (counts as lent and borrowed)."""
    request = IllRequest.objects.create(number=next_request_number(), borrower=borrower, union_record=record,
                                        bib={"title": record.title}, status=IllRequest.Status.SOURCING)
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender)
    advance_request(request, "send_to_lender", values={"lender": lender})
    supply = exchange.send_request(request, entry)
    advance_supply(supply, "will_supply")
    advance_supply(supply, "ship")


def test_the_same_district_comes_first_and_each_point_has_its_reason(place, rota_world):
    policy = IllPolicy.current()
    request = place()
    first, second = entries(request)
    assert (first.lender.code, second.lender.code) == ("gamma", "beta")
    assert reasons_of(first) == {"same_district": policy.weight_same_district, "available": policy.weight_available,
                                 "balance": policy.weight_balance, "courier_days": -2 * policy.penalty_per_courier_day}
    assert reasons_of(second)["same_city"] == policy.weight_same_city and "same_district" not in reasons_of(second)
    assert first.score == sum(reasons_of(first).values()) > second.score
    with translation.override("en"):
        lines = explain(first)
    assert len(lines) == 4 and all(lines)


def test_ties_are_ordered_by_library_code(place, rota_world):
    policy = IllPolicy.current()
    policy.weight_same_district = policy.weight_same_city = 0
    policy.save()
    request = place()
    assert [e.lender.code for e in entries(request)] == ["beta", "gamma"]
    assert entries(request)[0].score == entries(request)[1].score


def test_a_copy_the_union_counts_but_the_shelf_does_not_have_is_skipped(place, rota_world, shared_book):
    from tenants.catalogue.models import Item

    # Taken off gamma's shelf without the union catalogue hearing of it yet.
    with tenant_context(rota_world["gamma"]):
        Item.objects.filter(pk=shared_book["gamma"][0].pk).update(status="missing")
    connection.set_schema_to_public()
    request = place()
    assert rota_of(request) == [("beta", "asked", ""), ("gamma", "skipped", "not_on_shelf")]


def test_more_copies_on_the_shelf_do_not_beat_a_nearer_school(place, rota_world, shared_book):
    from tenants.catalogue.models import Item
    from tests.builders import add_items

    with tenant_context(rota_world["beta"]):
        instance = Item.objects.get(pk=shared_book["beta"][0].pk).holdings.instance
    add_items(rota_world["beta"], instance, 3)
    sync()
    request = place()
    assert [e.lender.code for e in entries(request)] == ["gamma", "beta"]
    beta = entries(request)[1]
    assert beta.reasons[[r["code"] for r in beta.reasons].index("available")]["detail"]["copies"] == 4


def test_a_lender_that_lent_more_than_it_borrowed_gets_fewer_points(place, rota_world, shared_book):
    record = shared_book["record"]
    for _n in range(2):
        filled_loan(rota_world["delta"], rota_world["gamma"], record)
    request = place()
    by_code = {e.lender.code: e for e in entries(request)}
    gamma = next(r for r in by_code["gamma"].reasons if r["code"] == "balance")
    assert gamma["points"] == 0 and gamma["detail"]["lent"] == 2 and gamma["detail"]["borrowed"] == 0
    assert reasons_of(by_code["beta"])["balance"] == IllPolicy.current().weight_balance


def test_a_lender_that_borrowed_from_us_earns_reciprocity(place, rota_world, shared_book):
    other, _items = shelve(rota_world["alpha"], title="水浒传", isbn="9787020008728")
    sync()
    filled_loan(rota_world["beta"], rota_world["alpha"], union_record_of(rota_world["alpha"], other))
    request = place()
    by_code = {e.lender.code: e for e in entries(request)}
    assert reasons_of(by_code["beta"])["reciprocity"] == IllPolicy.current().weight_reciprocity
    assert "reciprocity" not in reasons_of(by_code["gamma"])


def test_courier_days_cost_points(place, rota_world):
    far = LibraryIllSettings.for_library(rota_world["gamma"])
    far.courier_days = 10
    far.save()
    request = place()
    assert [e.lender.code for e in entries(request)] == ["beta", "gamma"]
    gamma = entries(request)[1]
    assert reasons_of(gamma)["courier_days"] == -10 * IllPolicy.current().penalty_per_courier_day


def test_a_library_that_opted_out_of_lending_is_skipped(place, rota_world):
    type(rota_world["gamma"]).objects.filter(pk=rota_world["gamma"].pk).update(ill_lending=False)
    request = place()
    assert rota_of(request) == [("beta", "asked", ""), ("gamma", "skipped", "opted_out")]


def test_a_school_on_vacation_is_skipped(place, rota_world, term_day):
    from circulation.models import CalendarPeriod

    with tenant_context(rota_world["gamma"]):
        CalendarPeriod.objects.create(kind="closed", name="装修", starts_on=term_day - dt.timedelta(days=3),
                                      ends_on=term_day + dt.timedelta(days=10), library_open=False)
    connection.set_schema_to_public()
    request = place()
    assert rota_of(request) == [("beta", "asked", ""), ("gamma", "skipped", "closed")]
    with translation.override("en"):
        assert explain(entries(request)[1])[-1]  # the closed period in words


def test_on_a_public_holiday_every_school_is_closed_and_the_rota_ends(place, rota_world, clock):
    clock.set(at(dt.date(2026, 10, 1)))  # National Day
    request = place()
    assert request.status == "end_of_rota"
    assert sorted(rota_of(request)) == [("beta", "skipped", "closed"), ("gamma", "skipped", "closed")]
    assert all("National Day" in e.outcome_note for e in entries(request))
    with translation.override("en"):
        assert all(explain(e)[-1] for e in entries(request))


def test_a_weekend_is_no_reason_to_skip_and_the_answer_is_due_in_open_days(place, rota_world, clock):
    clock.set(at(dt.date(2026, 11, 21)))  # a Saturday
    request = place()
    asked = entries(request)[0]
    assert asked.outcome == "asked" and asked.lender.code == "gamma"
    # two open days: Monday and Tuesday
    assert asked.answer_due_at.astimezone(at(dt.date(2026, 11, 24)).tzinfo).date() == dt.date(2026, 11, 24)


def test_reference_only_copies_are_skipped(place, rota_world, shared_book):
    from tenants.catalogue.models import Item
    from tenants.catalogue.services.changes import record_changes

    with tenant_context(rota_world["gamma"]):
        item = Item.objects.select_related("holdings").get(pk=shared_book["gamma"][0].pk)
        Item.objects.filter(pk=item.pk).update(reference_only=True)
        record_changes([item.holdings.instance_id], "holdings", library=rota_world["gamma"])
    connection.set_schema_to_public()
    sync()
    request = place()
    assert rota_of(request) == [("beta", "asked", ""), ("gamma", "skipped", "reference_only")]


def test_lenders_of_last_resort_come_last_whatever_their_score(place, rota_world):
    policy = IllPolicy.current()
    policy.lenders_of_last_resort.add(rota_world["gamma"], rota_world["delta"])
    request = place()
    rota = entries(request)
    assert [(e.lender.code, e.last_resort) for e in rota] == [("beta", False), ("gamma", True), ("delta", True)]
    assert rota[1].score > rota[0].score  # gamma scores higher, yet comes after beta


def test_the_borrower_is_never_its_own_lender(place, rota_world, shared_book):
    policy = IllPolicy.current()
    policy.lenders_of_last_resort.add(rota_world["alpha"])
    request = place()
    assert "alpha" not in [e.lender.code for e in entries(request)]


def test_build_rota_writes_a_new_round_each_time(place, rota_world):
    request = place()
    again = build_rota(request)
    assert {e.round for e in again} == {2} and len(again) == 2
