"""The lender's answers: by staff, by the auto-responder, a loan condition, and the copy checked at picking."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from core.exceptions import Conflict, UserError
from ill.exceptions import SupplyRefused
from ill.models import IllRequest, LibraryIllSettings, RotaEntry, Supply
from ill.services import borrowing, lending
from tests.builders import set_item_status
from tests.ill.conftest import shelve
from tests.ill.lending.flow import fresh, request_to

pytestmark = pytest.mark.django_db


def auto_responding(library):
    LibraryIllSettings.objects.update_or_create(library=library, defaults={"auto_respond": True})


def test_an_auto_responder_supplies_a_copy_on_its_shelf(ill_world, shared_book, django_capture_on_commit_callbacks):
    auto_responding(ill_world["beta"])
    with django_capture_on_commit_callbacks(execute=True):
        request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    supply = fresh(supply)
    copy = shared_book["beta"][0]
    assert supply.status == Supply.Status.WILL_SUPPLY
    assert (supply.item_id, supply.item_barcode, supply.call_number) == (copy.pk, copy.barcode, "I242.47/C3")
    assert fresh(request).status == IllRequest.Status.WILL_SUPPLY
    first = supply.messages.filter(kind="SupplyingAgencyMessage").order_by("pk").first()
    assert first.status == "WillSupply"


def test_an_auto_responder_without_a_copy_on_the_shelf_answers_not_on_shelf(
        ill_world, shared_book, django_capture_on_commit_callbacks):
    auto_responding(ill_world["beta"])
    set_item_status(ill_world["beta"], shared_book["beta"][0], "checked_out")
    with django_capture_on_commit_callbacks(execute=True):
        request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    supply = fresh(supply)
    assert supply.status == Supply.Status.UNFILLED and supply.reason_unfilled == "NotOnShelf"
    assert fresh(request).supplier_status == "Unfilled"
    entry = RotaEntry.objects.get(request=request, lender=ill_world["beta"])
    assert (entry.outcome, entry.outcome_code) == (RotaEntry.Outcome.UNFILLED, "NotOnShelf")


def test_an_auto_responder_that_does_not_hold_the_title_answers_not_held(
        ill_world, shared_book, django_capture_on_commit_callbacks):
    auto_responding(ill_world["alpha"])
    with django_capture_on_commit_callbacks(execute=True):
        _request, supply = request_to(ill_world["gamma"], ill_world["alpha"], shared_book["record"])
    supply = fresh(supply)
    assert supply.status == Supply.Status.UNFILLED and supply.reason_unfilled == "NotHeld"


def test_a_library_that_does_not_auto_respond_is_left_to_its_staff(ill_world, shared_book,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    lending.auto_respond(supply.pk)
    assert fresh(supply).status == Supply.Status.NEW


def test_unfilled_needs_a_reason_and_sends_it(ill_world, shared_book):
    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    with pytest.raises(UserError) as refused:
        lending.answer(supply, "unfilled")
    assert refused.value.code == "reason_required"
    lending.answer(supply, "unfilled", reason="PoorCondition", note="spine broken")
    supply = fresh(supply)
    assert (supply.status, supply.reason_unfilled) == (Supply.Status.UNFILLED, "PoorCondition")
    message = supply.messages.filter(kind="SupplyingAgencyMessage").get()
    assert message.status == "Unfilled"
    assert RotaEntry.objects.get(request=request, lender=ill_world["beta"]).outcome_code == "PoorCondition"


def test_expect_to_supply_then_will_supply(ill_world, shared_book):
    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    lending.answer(supply, "expect_to_supply")
    assert fresh(request).status == IllRequest.Status.EXPECT_TO_SUPPLY
    lending.answer(fresh(supply), "will_supply")
    assert fresh(request).status == IllRequest.Status.WILL_SUPPLY
    with pytest.raises(Conflict):
        lending.answer(fresh(supply), "expect_to_supply")


def test_a_condition_accepted_by_the_borrower_lets_the_lender_supply(ill_world, shared_book, term_day):
    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"])
    lending.answer(supply, "condition", condition="LibraryUseOnly", note="read in the library only")
    assert fresh(supply).status == Supply.Status.CONDITION_PENDING
    request = fresh(request)
    assert (request.status, request.loan_condition) == (IllRequest.Status.CONDITION, "LibraryUseOnly")

    borrowing.accept_condition(request)
    assert fresh(request).status == IllRequest.Status.WILL_SUPPLY
    assert fresh(supply).status == Supply.Status.WILL_SUPPLY
    assert fresh(supply).messages.filter(kind="RequestingAgencyMessage", status="Notification").exists()
    lending.ship(fresh(supply), barcode=shared_book["beta"][0].barcode, today=term_day)
    assert fresh(request).status == IllRequest.Status.SHIPPED


def test_a_condition_declined_cancels_the_lenders_supply_and_asks_the_next_lender(ill_world, shared_book):
    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"],
                                 then=[ill_world["gamma"]])
    lending.answer(supply, "condition", condition="LibraryUseOnly")
    borrowing.decline_condition(fresh(request))
    assert fresh(supply).status == Supply.Status.CANCELLED
    declined = RotaEntry.objects.get(request=request, lender=ill_world["beta"])
    assert declined.outcome == RotaEntry.Outcome.DECLINED
    request = fresh(request)
    assert request.status == IllRequest.Status.REQUESTED and request.lender == ill_world["gamma"]
    assert Supply.objects.filter(request=request, lender=ill_world["gamma"], status="new").exists()


def test_picking_checks_the_scanned_copy(ill_world, shared_book):
    beta = ill_world["beta"]
    _other, (other_title,) = shelve(beta, title="西游记", isbn="9787020008735", prefix="XY")
    second = shelve(beta, title="红楼梦", prefix="HL")[1][0]  # another edition record, same ISBN
    _request, supply = request_to(ill_world["alpha"], beta, shared_book["record"])
    lending.answer(supply, "will_supply")

    with pytest.raises(SupplyRefused) as refused:
        lending.pick(fresh(supply), "NO-SUCH-BARCODE")
    assert refused.value.code == "item_unknown"
    with pytest.raises(SupplyRefused) as refused:
        lending.pick(fresh(supply), other_title.barcode)
    assert refused.value.code == "wrong_item"
    with pytest.raises(SupplyRefused) as refused:
        lending.pick(fresh(supply), second.barcode)  # not the instance the union record names for beta
    assert refused.value.code == "wrong_item"
    set_item_status(beta, shared_book["beta"][0], "missing")
    with pytest.raises(SupplyRefused) as refused:
        lending.pick(fresh(supply), shared_book["beta"][0].barcode)
    assert refused.value.code == "not_on_shelf"
    assert fresh(supply).status == Supply.Status.WILL_SUPPLY


def test_shipping_a_copy_that_left_the_shelf_is_refused(ill_world, shared_book, term_day):
    beta = ill_world["beta"]
    _request, supply = request_to(ill_world["alpha"], beta, shared_book["record"])
    lending.answer(supply, "will_supply")
    set_item_status(beta, shared_book["beta"][0], "checked_out")
    with pytest.raises(SupplyRefused) as refused:
        lending.ship(fresh(supply), today=term_day)
    assert refused.value.code == "not_on_shelf"
    assert fresh(supply).status == Supply.Status.WILL_SUPPLY
    from circulation.models import Loan

    with tenant_context(beta):
        assert not Loan.objects.filter(reader__kind="library").exists()
    connection.set_schema_to_public()


def test_pull_slips_come_in_shelf_order_and_are_printed_once(ill_world, shared_book):
    from tests.ill.lending.flow import pdf_text

    beta = ill_world["beta"]
    shelve(beta, title="三国演义", isbn="9787020008728", prefix="SG", call_number="I242.43/L8")
    from tests.builders import sync, union_record_of

    sync()
    from tenants.catalogue.models import Instance

    with tenant_context(beta):
        instance = Instance.objects.get(title="三国演义")
    connection.set_schema_to_public()
    other_record = union_record_of(beta, instance)
    _r1, first = request_to(ill_world["alpha"], beta, shared_book["record"])
    _r2, second = request_to(ill_world["gamma"], beta, other_record)
    lending.answer(first, "will_supply")
    lending.answer(second, "will_supply")
    text = pdf_text(lending.pull_slips(beta))
    assert text.index("I242.43/L8") < text.index("I242.47/C3")  # call number order on the same shelf
    assert {fresh(first).status, fresh(second).status} == {Supply.Status.PULL_SLIP_PRINTED}
    assert "I242.47/C3" not in pdf_text(lending.pull_slips(beta))  # nothing new to print
    assert "I242.47/C3" in pdf_text(lending.pull_slips(beta, [first]))  # printed again on demand


def test_two_requests_for_one_title_are_given_different_copies(ill_world):
    """A copy chosen for one supply is left for it: the second supply gets the other copy, or none."""
    from tests.builders import sync, union_record_of

    beta = ill_world["beta"]
    instance, _items = shelve(beta, title="水浒传", count=2, isbn="9787020008728")
    sync()
    record = union_record_of(beta, instance)
    _first_request, first = request_to(ill_world["alpha"], beta, record)
    _second_request, second = request_to(ill_world["gamma"], beta, record)
    _third_request, third = request_to(ill_world["gamma"], beta, record)
    lending.answer(first, "will_supply")
    lending.answer(second, "will_supply")
    first, second = fresh(first), fresh(second)
    assert first.item_id and second.item_id and first.item_id != second.item_id
    lending.answer(third, "will_supply")
    assert fresh(third).item_id is None  # both copies are promised; the clerk will find none free
