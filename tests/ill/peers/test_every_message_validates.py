"""Every message a loan, a copy, a condition, an unfilled answer, a cancel and a renewal produce is
valid against the XSD of its version, between members (2017) and to peers of either version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ill.iso18626 import parse, validate
from ill.models import IllMessage, IllRequest, RotaEntry, Supply
from ill.services import exchange, peers
from ill.services.transitions import advance_request, advance_supply, next_request_number, next_supply_number
from tests.ill.peers.conftest import make_peer

pytestmark = pytest.mark.django_db


def _placed(borrower, record, **fields):
    return IllRequest.objects.create(
        number=next_request_number(), borrower=borrower, union_record=record, status=IllRequest.Status.SOURCING,
        bib={"title": record.title, "authors": ["曹雪芹"], "isbns": ["9787020002207"], "publisher": "人民文学出版社",
             "year": 1982, "edition": "第3版", "urid": record.urid},
        needed_by=dt.date(2026, 12, 1), pickup_point="二楼阅览室", note="为语文课", max_cost=Decimal("20.00"),
        **fields)


def _to_member(borrower, lender, record, **fields):
    request = _placed(borrower, record, **fields)
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=10,
                                  outcome=RotaEntry.Outcome.ASKED)
    advance_request(request, "send_to_lender", values={"lender": lender})
    supply = exchange.send_request(request, entry)
    request.refresh_from_db()
    return request, supply


def _all_stored_messages_are_valid():
    messages = list(IllMessage.objects.all())
    assert messages
    for message in messages:
        errors = validate(message.body.encode("utf-8"), message.version)
        assert not errors, (message.kind, message.status, message.version, errors, message.body)
        assert parse(message.body.encode("utf-8")).version == message.version
        # A reader never leaves the borrowing library.
        assert "patronInfo" not in message.body
    return messages


def _loan_and_everything_else(alpha, beta, gamma, record):
    # A loan with a condition accepted, a renewal, shipped back and checked in.
    request, supply = _to_member(alpha, beta, record)
    advance_supply(supply, "propose_condition", values={"loan_condition": "LibraryUseOnly"}, note="只在馆内阅读",
                   reason="RequestResponse")
    request.refresh_from_db()
    advance_request(request, "accept_condition")
    supply.refresh_from_db()
    advance_supply(supply, "print_pull_slip")
    advance_supply(supply, "ship", values={"due_on": dt.date(2026, 12, 30), "item_barcode": "BE0001001",
                                           "cost": Decimal("5.00")})
    request.refresh_from_db()
    advance_request(request, "receive")
    exchange.tell_lender(request, "Renew")
    advance_request(request, "ship_return")
    supply.refresh_from_db()
    advance_supply(supply, "check_in")
    request.refresh_from_db()
    assert request.status == "completed"

    # A copy.
    copy, copy_supply = _to_member(alpha, gamma, record, service_type="Copy", pages="12-30", part_title="第一回")
    advance_supply(copy_supply, "will_supply", reason="RequestResponse", answer_yes=True)
    advance_supply(copy_supply, "send_copy", values={"cost": Decimal("5.40"), "pages_supplied": 18})
    copy.refresh_from_db()
    assert copy.status == "copy_delivered"

    # Unfilled with a reason, retry possible, and a cancel.
    unfilled, unfilled_supply = _to_member(alpha, beta, record)
    advance_supply(unfilled_supply, "unfilled", values={"reason_unfilled": "NotOnShelf"}, reason="RequestResponse",
                   answer_yes=False)
    retry, retry_supply = _to_member(alpha, gamma, record)
    advance_supply(retry_supply, "retry_possible", values={"reason_retry": "CostExceedsMaxCost",
                                                          "cost": Decimal("30")})
    cancelled, _ = _to_member(alpha, beta, record)
    advance_request(cancelled, "ask_cancel", note="不需要了")
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled"


def test_every_message_between_members_is_valid_2017(ill_world, shared_book):
    _loan_and_everything_else(ill_world["alpha"], ill_world["beta"], ill_world["gamma"], shared_book["record"])
    messages = _all_stored_messages_are_valid()
    assert {m.version for m in messages} == {"2017"}
    assert {m.kind for m in messages} == {"Request", "SupplyingAgencyMessage", "RequestingAgencyMessage"}
    statuses = {m.status for m in messages}
    assert {"WillSupply", "Loaned", "LoanCompleted", "CopyCompleted", "Unfilled", "RetryPossible", "Cancelled",
            "Renew", "ShippedReturn", "Received", "Notification", "Cancel"} <= statuses


@pytest.mark.parametrize("version", ["2017", "2021"])
def test_every_message_to_a_peer_is_valid_in_its_version(version, ill_world, shared_book):
    alpha, beta = ill_world["alpha"], ill_world["beta"]
    peer = make_peer(version=version)
    # We borrow from the peer: the Request and our actions go out in its version.
    request = _placed(alpha, shared_book["record"])
    peers.offer_to_peer(request, peer)
    request.refresh_from_db()
    assert request.status == "requested" and request.lender_peer == peer
    exchange.on_supplier_news(request, exchange.SupplierNews(status="Loaned", due_on=dt.date(2026, 12, 30)))
    request.refresh_from_db()
    advance_request(request, "receive")
    exchange.tell_lender(request, "Renew")
    advance_request(request, "ship_return", note="已寄回")
    # The peer borrows from us: every status we report goes out in its version.
    for n, path in enumerate([
        [("will_supply", {}), ("ship", {"due_on": dt.date(2026, 12, 30), "item_barcode": "BE1", "cost": Decimal("3")}),
         ("return_shipped", {}), ("check_in", {})],
        [("propose_condition", {"loan_condition": "NoReproduction"}), ("cancel", {})],
        [("unfilled", {"reason_unfilled": "NotHeld"})],
        [("retry_possible", {"reason_retry": "OnLoan"})],
    ]):
        supply = Supply.objects.create(number=next_supply_number(), lender=beta, requester_peer=peer,
                                       requester_request_id=f"PEER-{n}", bib={"title": "红楼梦"})
        for action, values in path:
            advance_supply(supply, action, values=values)
    messages = _all_stored_messages_are_valid()
    assert {m.version for m in messages if m.peer_id} == {version}
    assert {m.delivery for m in messages if m.peer_id} == {"pending"}
