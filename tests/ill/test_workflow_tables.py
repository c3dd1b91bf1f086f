"""The two state tables and their mapping to ISO 18626, without a database."""

from __future__ import annotations

import pytest

from ill.iso18626 import codes
from ill.models import IllRequest, Supply
from ill.workflow import (
    ISO_STATUS,
    LOCAL_REQUESTER_STATES,
    LOCAL_SUPPLIER_STATES,
    REQUESTER,
    REQUESTER_ISO_ACTION,
    REQUESTER_ISO_STATUS,
    SUPPLIER,
    requester_action_for,
    supplier_action_for,
)

R, S = IllRequest.Status, Supply.Status


def test_every_supplier_state_maps_to_a_status_of_the_standard():
    assert set(ISO_STATUS) == set(S.values)
    assert set(ISO_STATUS.values()) <= set(codes.SUPPLIER_STATUSES)
    # Every status of the standard is reachable from some state of ours.
    assert set(ISO_STATUS.values()) == set(codes.SUPPLIER_STATUSES)


def test_local_steps_are_states_of_our_own_mapped_to_the_standards_status():
    assert {S.PULL_SLIP_PRINTED, S.AWAITING_SHIPPING} <= LOCAL_SUPPLIER_STATES
    assert ISO_STATUS[S.PULL_SLIP_PRINTED] == ISO_STATUS[S.AWAITING_SHIPPING] == "WillSupply"
    assert {R.AWAITING_APPROVAL, R.RECEIVED, R.RETURNED_BY_READER, R.LOST} <= LOCAL_REQUESTER_STATES
    assert set(REQUESTER_ISO_STATUS) == set(R.values)


def test_borrower_actions_sent_are_actions_of_the_standard():
    assert set(REQUESTER_ISO_ACTION.values()) <= set(codes.REQUESTER_ACTIONS)
    for action in REQUESTER_ISO_ACTION:
        REQUESTER.action(action)  # each names a real transition


@pytest.mark.parametrize(("state", "status", "expected"), [
    (R.REQUESTED, "ExpectToSupply", "lender_expects"),
    (R.REQUESTED, "WillSupply", "lender_will_supply"),
    (R.EXPECT_TO_SUPPLY, "Loaned", "lender_shipped"),
    (R.REQUESTED, "Unfilled", "lender_unfilled"),
    (R.REQUESTED, "RetryPossible", "lender_unfilled"),
    (R.WILL_SUPPLY, "CopyCompleted", "copy_delivered"),
    (R.RETURN_SHIPPED, "LoanCompleted", "lender_checked_in"),
    (R.LOST, "CompletedWithoutReturn", "lender_closed_without_return"),
    (R.CANCEL_PENDING, "Cancelled", "cancel_confirmed"),
    (R.CANCEL_PENDING, "Loaned", "cancel_refused_shipped"),
    (R.WITH_READER, "Overdue", None),  # a flag, not a change of state
    (R.WITH_READER, "Loaned", None),  # a repeat
    (R.COMPLETED, "Unfilled", None),  # too late to matter
])
def test_what_a_borrower_does_on_each_status(state, status, expected):
    assert requester_action_for(state, status) == expected


def test_a_condition_is_a_will_supply_with_a_loan_condition():
    assert requester_action_for(R.REQUESTED, "WillSupply", loan_condition="LibraryUseOnly") == "lender_condition"


def test_a_refused_cancellation_keeps_the_lenders_course():
    assert requester_action_for(R.CANCEL_PENDING, "WillSupply", answer_yes=False,
                                reason="CancelResponse") == "cancel_refused"


@pytest.mark.parametrize(("state", "action", "expected"), [
    (S.NEW, "Cancel", "cancel"),
    (S.AWAITING_SHIPPING, "Cancel", "cancel"),
    (S.LOANED, "Cancel", None),
    (S.LOANED, "ShippedReturn", "return_shipped"),
    (S.NEW, "ShippedReturn", None),
    (S.CONDITION_PENDING, "Notification", None),
])
def test_what_a_lender_does_on_each_action(state, action, expected):
    assert supplier_action_for(state, action) == expected


def test_shipping_is_possible_only_before_the_item_left():
    assert SUPPLIER.check("ship", S.WILL_SUPPLY) is None
    assert SUPPLIER.check("ship", S.LOANED) is not None
    assert SUPPLIER.check("cancel", S.LOANED) is not None
