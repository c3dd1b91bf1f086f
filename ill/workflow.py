"""Both sides of an ISO 18626 request as tables: the borrower's ``REQUESTER`` and the lender's ``SUPPLIER``.

The standard fixes the supplier statuses a lender reports (``ISO_STATUS``) and the actions a
borrower sends (``REQUESTER_ISO_ACTION``); the steps it leaves to libraries (awaiting approval,
pull slip printed, awaiting shipping, received at the desk, returned by the reader, lost) are
states of our own, and each maps to the standard's status carried in every message.

``requester_action_for`` says what a borrower does when a lender's message arrives; it is pure,
so the tables and the mapping have tests without a database.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.workflow import Action, Workflow
from ill.models import IllRequest, Supply

R = IllRequest.Status
S = Supply.Status

# Borrower states in which a lender holds the request (a message to it is needed to change course).
WITH_LENDER = frozenset({R.REQUESTED, R.EXPECT_TO_SUPPLY, R.CONDITION, R.WILL_SUPPLY})
# Borrower states in which the physical item is away from the lender.
ITEM_OUT = frozenset({R.SHIPPED, R.RECEIVED, R.WITH_READER, R.RETURNED_BY_READER, R.RETURN_SHIPPED})
REQUESTER_FINAL = frozenset({R.COMPLETED, R.COPY_DELIVERED, R.CANCELLED, R.REJECTED, R.COMPLETED_WITHOUT_RETURN})
REQUESTER_OPEN = frozenset(set(R.values) - REQUESTER_FINAL)

REQUESTER = Workflow(
    states=dict(R.choices),
    actions=(
        Action("approve", {R.AWAITING_APPROVAL}, R.SOURCING, label=_("approve")),
        Action("reject", {R.AWAITING_APPROVAL}, R.REJECTED, label=_("reject")),
        Action("send_to_lender", {R.SOURCING}, R.REQUESTED, label=_("send to the next lender")),
        Action("end_rota", {R.SOURCING}, R.END_OF_ROTA, label=_("end of rota")),
        Action("rerota", {R.END_OF_ROTA}, R.SOURCING, label=_("try the lenders again")),
        Action("lender_expects", {R.REQUESTED}, R.EXPECT_TO_SUPPLY, label=_("lender expects to supply")),
        Action("lender_condition", {R.REQUESTED, R.EXPECT_TO_SUPPLY, R.WILL_SUPPLY}, R.CONDITION,
               label=_("lender proposes a condition")),
        Action("accept_condition", {R.CONDITION}, R.WILL_SUPPLY, label=_("accept the condition")),
        Action("decline_condition", {R.CONDITION}, R.SOURCING, label=_("decline the condition")),
        Action("lender_will_supply", {R.REQUESTED, R.EXPECT_TO_SUPPLY}, R.WILL_SUPPLY,
               label=_("lender will supply")),
        # Unfilled, a retry we do not take up, a lender's own cancellation or no answer in time:
        # the rota moves on to the next lender.
        Action("lender_unfilled", {R.REQUESTED, R.EXPECT_TO_SUPPLY, R.WILL_SUPPLY, R.CONDITION}, R.SOURCING,
               label=_("lender cannot supply")),
        Action("lender_timeout", {R.REQUESTED, R.EXPECT_TO_SUPPLY}, R.SOURCING, label=_("lender did not answer")),
        Action("lender_shipped", {R.REQUESTED, R.EXPECT_TO_SUPPLY, R.WILL_SUPPLY}, R.SHIPPED,
               label=_("lender shipped")),
        Action("copy_delivered", {R.REQUESTED, R.EXPECT_TO_SUPPLY, R.WILL_SUPPLY}, R.COPY_DELIVERED,
               label=_("copy delivered")),
        Action("receive", {R.SHIPPED}, R.RECEIVED, label=_("receive at the desk")),
        Action("lend_to_reader", {R.RECEIVED}, R.WITH_READER, label=_("lend to the reader")),
        Action("reader_returned", {R.WITH_READER}, R.RETURNED_BY_READER, label=_("returned by the reader")),
        Action("ship_return", {R.RECEIVED, R.RETURNED_BY_READER}, R.RETURN_SHIPPED, label=_("ship back")),
        Action("lender_checked_in", {R.SHIPPED, R.RECEIVED, R.RETURNED_BY_READER, R.RETURN_SHIPPED}, R.COMPLETED,
               label=_("lender checked it in")),
        Action("declare_lost", {R.SHIPPED, R.RECEIVED, R.WITH_READER, R.RETURNED_BY_READER, R.RETURN_SHIPPED},
               R.LOST, label=_("declare lost")),
        Action("lender_closed_without_return", {R.LOST, R.SHIPPED, R.RECEIVED, R.WITH_READER,
                                                 R.RETURNED_BY_READER, R.RETURN_SHIPPED},
               R.COMPLETED_WITHOUT_RETURN, label=_("completed without return")),
        Action("cancel", {R.AWAITING_APPROVAL, R.SOURCING, R.END_OF_ROTA}, R.CANCELLED, label=_("cancel")),
        Action("ask_cancel", WITH_LENDER, R.CANCEL_PENDING, label=_("ask the lender to cancel")),
        Action("cancel_confirmed", {R.CANCEL_PENDING}, R.CANCELLED, label=_("lender confirmed the cancellation")),
        # The lender refused to cancel because it has already shipped.
        Action("cancel_refused_shipped", {R.CANCEL_PENDING}, R.SHIPPED, label=_("lender had already shipped")),
        Action("cancel_refused", {R.CANCEL_PENDING}, R.WILL_SUPPLY, label=_("lender will supply all the same")),
    ),
    refused=_("A request that is “%(state)s” cannot be changed that way (%(action)s)."),
    lost=_("Someone else changed this request first (it is no longer “%(state)s”); reload and try again."),
)

SUPPLIER_FINAL = frozenset({S.LOAN_COMPLETED, S.COPY_COMPLETED, S.UNFILLED, S.RETRY_POSSIBLE, S.CANCELLED,
                            S.COMPLETED_WITHOUT_RETURN})
SUPPLIER_ACTIVE = frozenset(Supply.ACTIVE)
BEFORE_SHIPPING = frozenset({S.NEW, S.EXPECT_TO_SUPPLY, S.CONDITION_PENDING, S.WILL_SUPPLY, S.PULL_SLIP_PRINTED,
                             S.AWAITING_SHIPPING})
ON_LOAN = frozenset({S.LOANED, S.OVERDUE, S.RECALLED, S.RETURN_SHIPPED})

SUPPLIER = Workflow(
    states=dict(S.choices),
    actions=(
        Action("expect_to_supply", {S.NEW}, S.EXPECT_TO_SUPPLY, label=_("expect to supply")),
        Action("will_supply", {S.NEW, S.EXPECT_TO_SUPPLY}, S.WILL_SUPPLY, label=_("will supply")),
        Action("propose_condition", {S.NEW, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY}, S.CONDITION_PENDING,
               label=_("propose a condition")),
        Action("condition_accepted", {S.CONDITION_PENDING}, S.WILL_SUPPLY, label=_("condition accepted")),
        Action("print_pull_slip", {S.WILL_SUPPLY}, S.PULL_SLIP_PRINTED, label=_("print the pull slip")),
        Action("pick", {S.WILL_SUPPLY, S.PULL_SLIP_PRINTED}, S.AWAITING_SHIPPING, label=_("take from the shelf")),
        Action("ship", {S.WILL_SUPPLY, S.PULL_SLIP_PRINTED, S.AWAITING_SHIPPING}, S.LOANED, label=_("ship")),
        Action("send_copy", {S.NEW, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY, S.PULL_SLIP_PRINTED, S.AWAITING_SHIPPING},
               S.COPY_COMPLETED, label=_("send the copy")),
        Action("unfilled", {S.NEW, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY, S.PULL_SLIP_PRINTED, S.AWAITING_SHIPPING},
               S.UNFILLED, label=_("cannot supply")),
        Action("retry_possible", {S.NEW, S.EXPECT_TO_SUPPLY}, S.RETRY_POSSIBLE, label=_("retry possible")),
        Action("mark_overdue", {S.LOANED, S.RECALLED}, S.OVERDUE, label=_("overdue")),
        Action("recall", {S.LOANED, S.OVERDUE}, S.RECALLED, label=_("recall")),
        Action("renewed", {S.OVERDUE}, S.LOANED, label=_("renewed")),
        Action("return_shipped", {S.LOANED, S.OVERDUE, S.RECALLED}, S.RETURN_SHIPPED,
               label=_("borrower shipped it back")),
        Action("check_in", {S.LOANED, S.OVERDUE, S.RECALLED, S.RETURN_SHIPPED, S.LOST}, S.LOAN_COMPLETED,
               label=_("check in")),
        Action("declare_lost", {S.LOANED, S.OVERDUE, S.RECALLED, S.RETURN_SHIPPED}, S.LOST,
               label=_("declare lost")),
        Action("compensated", {S.LOST}, S.COMPLETED_WITHOUT_RETURN, label=_("compensation received")),
        Action("cancel", BEFORE_SHIPPING, S.CANCELLED, label=_("cancel")),
    ),
    refused=_("A supply that is “%(state)s” cannot be changed that way (%(action)s)."),
    lost=_("Someone else changed this request first (it is no longer “%(state)s”); reload and try again."),
)

# The standard's supplier status for each of our supplier states (local steps map to the status
# the standard has for them).
ISO_STATUS = {
    S.NEW: "RequestReceived",
    S.EXPECT_TO_SUPPLY: "ExpectToSupply",
    S.CONDITION_PENDING: "WillSupply",  # with deliveryInfo/loanCondition
    S.WILL_SUPPLY: "WillSupply",
    S.PULL_SLIP_PRINTED: "WillSupply",
    S.AWAITING_SHIPPING: "WillSupply",
    S.LOANED: "Loaned",
    S.OVERDUE: "Overdue",
    S.RECALLED: "Recalled",
    S.RETURN_SHIPPED: "Loaned",
    S.LOAN_COMPLETED: "LoanCompleted",
    S.COPY_COMPLETED: "CopyCompleted",
    S.UNFILLED: "Unfilled",
    S.RETRY_POSSIBLE: "RetryPossible",
    S.CANCELLED: "Cancelled",
    S.LOST: "Loaned",
    S.COMPLETED_WITHOUT_RETURN: "CompletedWithoutReturn",
}
LOCAL_SUPPLIER_STATES = frozenset({S.CONDITION_PENDING, S.PULL_SLIP_PRINTED, S.AWAITING_SHIPPING,
                                   S.RETURN_SHIPPED, S.LOST})

# The supplier status a borrower's state implies the lender last reported (None: no lender yet).
REQUESTER_ISO_STATUS = {
    R.AWAITING_APPROVAL: None,
    R.SOURCING: None,
    R.REQUESTED: "RequestReceived",
    R.EXPECT_TO_SUPPLY: "ExpectToSupply",
    R.CONDITION: "WillSupply",
    R.WILL_SUPPLY: "WillSupply",
    R.SHIPPED: "Loaned",
    R.RECEIVED: "Loaned",
    R.WITH_READER: "Loaned",
    R.RETURNED_BY_READER: "Loaned",
    R.RETURN_SHIPPED: "Loaned",
    R.COMPLETED: "LoanCompleted",
    R.COPY_DELIVERED: "CopyCompleted",
    R.END_OF_ROTA: "Unfilled",
    R.CANCEL_PENDING: None,
    R.CANCELLED: "Cancelled",
    R.REJECTED: None,
    R.LOST: "Loaned",
    R.COMPLETED_WITHOUT_RETURN: "CompletedWithoutReturn",
}
LOCAL_REQUESTER_STATES = frozenset({R.AWAITING_APPROVAL, R.SOURCING, R.RECEIVED, R.WITH_READER,
                                    R.RETURNED_BY_READER, R.END_OF_ROTA, R.REJECTED, R.LOST})

# The ISO 18626 requesting-agency action a borrower's transition sends to the lender, if any.
REQUESTER_ISO_ACTION = {
    "receive": "Received",
    "ship_return": "ShippedReturn",
    "ask_cancel": "Cancel",
    "accept_condition": "Notification",
    "decline_condition": "Cancel",
    "declare_lost": "Notification",
}

# What a borrower does on each supplier status a lender reports (``requester_action_for``).
_ON_STATUS = {
    "ExpectToSupply": "lender_expects",
    "WillSupply": "lender_will_supply",
    "Loaned": "lender_shipped",
    "Unfilled": "lender_unfilled",
    "RetryPossible": "lender_unfilled",
    "CopyCompleted": "copy_delivered",
    "LoanCompleted": "lender_checked_in",
    "CompletedWithoutReturn": "lender_closed_without_return",
}


def requester_action_for(state: str, iso_status: str, *, loan_condition: str = "",
                         answer_yes: bool | None = None, reason: str = "") -> str | None:
    """The borrower's action when its lender reports ``iso_status`` while the request is in ``state``.

    None means the message changes nothing on this side (a repeat, a Notification, an Overdue or
    Recalled flag, which callers record separately). Pure: tested without a database.
    """
    if state == R.CANCEL_PENDING:
        if iso_status == "Cancelled":
            return "cancel_confirmed"
        if reason == "CancelResponse" and answer_yes is False:
            return "cancel_refused_shipped" if iso_status == "Loaned" else "cancel_refused"
        if iso_status == "Loaned":
            return "cancel_refused_shipped"
        if iso_status in ("Unfilled", "RetryPossible"):
            return "cancel_confirmed"
        return None
    if iso_status == "Cancelled":
        return "lender_unfilled" if state in WITH_LENDER else None
    if iso_status == "WillSupply" and loan_condition and state != R.CONDITION:
        action = "lender_condition"
    else:
        action = _ON_STATUS.get(iso_status)
    if action is None:
        return None
    return action if state in REQUESTER.action(action).sources else None


# What a lender does on each action a borrower sends (``supplier_action_for``).
def supplier_action_for(state: str, iso_action: str, *, note: str = "") -> str | None:
    """The lender's transition for a borrower's ``iso_action`` (None: no change of state). Pure."""
    if iso_action == "Cancel":
        return "cancel" if state in BEFORE_SHIPPING else None
    if iso_action == "ShippedReturn":
        return "return_shipped" if state in {S.LOANED, S.OVERDUE, S.RECALLED} else None
    if iso_action == "Notification" and state == S.CONDITION_PENDING and note.startswith(CONDITION_ACCEPTED):
        return "condition_accepted"
    return None


# The note that tells a lender the borrower accepts its loan condition (a Notification), as
# ReShare and other systems do it: a fixed marker at the start of the note.
CONDITION_ACCEPTED = "#ConditionAccepted#"
