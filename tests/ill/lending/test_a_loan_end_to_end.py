"""One loan from alpha's reader to beta's shelf and back, through both libraries' circulation."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from ill.models import IllRequest, Supply
from ill.services import borrowing, lending
from tests.builders import sync
from tests.ill.lending.flow import fresh, is_open_day, item_in, loan_in, pdf_text, request_to
from union.models import UnionHolding

pytestmark = pytest.mark.django_db


def test_a_loan_goes_from_the_lenders_shelf_to_the_reader_and_back(ill_world, shared_book, reader_a, term_day):
    alpha, beta = ill_world["alpha"], ill_world["beta"]
    copy = shared_book["beta"][0]
    request, supply = request_to(alpha, beta, shared_book["record"], reader=reader_a)

    # Beta answers: a loanable copy is chosen, with where it stands for the pull slip.
    lending.answer(supply, "will_supply")
    supply = fresh(supply)
    assert supply.status == Supply.Status.WILL_SUPPLY
    assert (supply.item_id, supply.item_barcode, supply.location) == (copy.pk, copy.barcode, "main")
    assert supply.call_number == "I242.47/C3"
    assert fresh(request).status == IllRequest.Status.WILL_SUPPLY

    # The pull slip names the lender's number, alpha and alpha's request number, never the reader.
    pdf = lending.pull_slips(beta)
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF")
    assert supply.number in text and request.number in text and copy.barcode in text and "红楼梦" in text
    assert alpha.name in text
    assert reader_a.name not in text and reader_a.card_number not in text
    assert fresh(supply).status == Supply.Status.PULL_SLIP_PRINTED

    lending.pick(supply, copy.barcode)
    assert fresh(supply).status == Supply.Status.AWAITING_SHIPPING

    # Shipping lends the copy to alpha in beta's own circulation, due on an open day of beta.
    lending.ship(supply, today=term_day)
    supply = fresh(supply)
    assert supply.status == Supply.Status.LOANED and supply.loan_id
    assert item_in(beta, copy.pk).status == "on_ill_loan"
    loan = loan_in(beta, supply.loan_id)
    assert loan.status == "open" and loan.reader.kind == "library"
    assert loan.reader.card_number == f"ILL-{alpha.agency_id}" and loan.reader.name == alpha.name
    assert loan.due_on == supply.due_on and loan.due_on > term_day and is_open_day(beta, loan.due_on)
    request = fresh(request)
    assert request.status == IllRequest.Status.SHIPPED and request.lender_due_on == supply.due_on

    # Alpha receives it: a temporary item held for the reader that the union catalogue never sees.
    borrowing.receive(request)
    request = fresh(request)
    assert request.status == IllRequest.Status.RECEIVED and request.temp_barcode.startswith("ILL")
    temp = item_in(alpha, request.temp_item_id)
    assert temp.status == "awaiting_pickup" and temp.barcode == request.temp_barcode
    assert temp.holdings.instance.discovery_suppress and temp.holdings.instance.material_type == "ill"
    sync()
    assert not UnionHolding.objects.filter(library=alpha).exists()

    borrowing.lend_to_reader(request, today=term_day)
    request = fresh(request)
    assert request.status == IllRequest.Status.WITH_READER
    reader_loan = loan_in(alpha, request.reader_loan_id)
    assert reader_loan.reader_id == reader_a.pk and reader_loan.status == "open"
    assert term_day < reader_loan.due_on < request.lender_due_on and is_open_day(alpha, reader_loan.due_on)
    assert item_in(alpha, temp.pk).status == "checked_out"

    borrowing.reader_returned(request)
    assert fresh(request).status == IllRequest.Status.RETURNED_BY_READER
    assert loan_in(alpha, reader_loan.pk).status == "returned"
    assert item_in(alpha, temp.pk).status == "in_transit"

    borrowing.ship_return(request)
    assert fresh(request).status == IllRequest.Status.RETURN_SHIPPED
    assert fresh(supply).status == Supply.Status.RETURN_SHIPPED
    assert item_in(alpha, temp.pk).status == "withdrawn"

    lending.check_in(supply, barcode=copy.barcode)
    assert fresh(supply).status == Supply.Status.LOAN_COMPLETED
    assert item_in(beta, copy.pk).status == "available"
    assert loan_in(beta, supply.loan_id).status == "returned"
    request = fresh(request)
    assert request.status == IllRequest.Status.COMPLETED and request.closed_at is not None
    sync()
    assert not UnionHolding.objects.filter(library=alpha).exists()
    holding = UnionHolding.objects.get(library=beta, instance_id=copy.holdings.instance_id)
    assert holding.items_available == 1


def test_partner_libraries_are_not_readers_of_the_desk_lists(ill_world, shared_book, reader_a, term_day):
    from circulation.services import desk, readers

    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"], reader=reader_a)
    lending.answer(supply, "will_supply")
    lending.ship(supply, today=term_day)
    with tenant_context(ill_world["beta"]):
        assert not readers.search_readers().filter(kind="library").exists()
        assert readers.search_readers(kind="library").count() == 1
        card = readers.search_readers(kind="library").get().card_number
        from circulation.exceptions import Refused

        with pytest.raises(Refused) as refused:
            desk.renew(shared_book["beta"][0].barcode)
        assert refused.value.code == "partner_library"
    connection.set_schema_to_public()
    assert card.startswith("ILL-")
