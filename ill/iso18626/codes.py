"""The code lists of ISO 18626, for the 2017 (schema v1.2) and 2021 (schema 2021-2) versions.

Closed lists are fixed by the schema: a value outside them makes a message invalid. They are
``StrEnum`` classes (a member equals its code, ``SupplierStatus.LOANED == "Loaned"``); the codes
each version allows are in ``CLOSED_LISTS`` (and ``*_BY_VERSION``), as 2021 added some. The
plain names (``SUPPLIER_STATUSES``, ...) hold the codes every version knows.

Open lists are kept by the standard's maintenance agency (illtransactions.org); a partner may
send other values, which are accepted as they are. Each open list maps a code to a human label
(``gettext_lazy``, English msgids), per version in ``*_BY_VERSION`` and for all versions
together under the plain name (``REASONS_RETRY``, ...); ``label`` falls back to the code itself.
The 2017 lists are the ones printed in ISO 18626:2017 (scheme URIs in ``OPEN_LIST_SCHEMES_2017``);
the 2021 lists are those implementers of the 2021 revision use (Koha's ISO 18626 client).
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

NAMESPACE = "http://illtransactions.org/2013/iso18626"

#: Our names for the two schema versions, oldest first.
VERSIONS = ("2017", "2021")
DEFAULT_VERSION = "2017"

#: The schema file each version is validated against (shipped in ``schemas/``).
SCHEMA_FILES = {"2017": "ISO-18626-v1_2.xsd", "2021": "ISO-18626-2021-2.xsd"}

#: What we write in the required ``ill:version`` attribute of ``ISO18626Message``. Both schemas
#: type it as a plain string; 2017 peers write "1.2". The 2021 schema is named "2021-2" (its
#: change history says the revision was first called "1.3"), so we write that.
VERSION_ATTRIBUTE = {"2017": "1.2", "2021": "2021-2"}

#: ``ill:version`` values we recognise on input. 1.0 and 1.1 (2014) differ from 1.2 only by
#: elements 1.2 added as optional, so they are read as 2017.
VERSION_ALIASES = {
    "1.0": "2017",
    "1.1": "2017",
    "1.2": "2017",
    "2017": "2017",
    "1.3": "2021",
    "2021": "2021",
    "2021-1": "2021",
    "2021-2": "2021",
}


# --- Closed lists -------------------------------------------------------------------------------


class SupplierStatus(StrEnum):
    REQUEST_RECEIVED = "RequestReceived"
    EXPECT_TO_SUPPLY = "ExpectToSupply"
    WILL_SUPPLY = "WillSupply"
    LOANED = "Loaned"
    OVERDUE = "Overdue"
    RECALLED = "Recalled"
    RETRY_POSSIBLE = "RetryPossible"
    UNFILLED = "Unfilled"
    HOLD_RETURN = "HoldReturn"  # 2021
    RELEASE_HOLD_RETURN = "ReleaseHoldReturn"  # 2021
    COPY_COMPLETED = "CopyCompleted"
    LOAN_COMPLETED = "LoanCompleted"
    COMPLETED_WITHOUT_RETURN = "CompletedWithoutReturn"
    CANCELLED = "Cancelled"


class RequesterAction(StrEnum):
    STATUS_REQUEST = "StatusRequest"
    RECEIVED = "Received"
    CANCEL = "Cancel"
    RENEW = "Renew"
    HOLD_RETURN = "HoldReturn"  # 2021
    SHIPPED_RETURN = "ShippedReturn"
    SHIPPED_FORWARD = "ShippedForward"
    NOTIFICATION = "Notification"
    LOST = "Lost"  # 2021


class ReasonForMessage(StrEnum):
    REQUEST_RESPONSE = "RequestResponse"
    STATUS_REQUEST_RESPONSE = "StatusRequestResponse"
    RENEW_RESPONSE = "RenewResponse"
    CANCEL_RESPONSE = "CancelResponse"
    STATUS_CHANGE = "StatusChange"
    NOTIFICATION = "Notification"


class ServiceType(StrEnum):
    COPY = "Copy"
    LOAN = "Loan"
    COPY_OR_LOAN = "CopyOrLoan"


class RequestType(StrEnum):
    NEW = "New"
    RETRY = "Retry"
    REMINDER = "Reminder"


class RequestSubType(StrEnum):
    BOOKING_REQUEST = "BookingRequest"
    MULTIPLE_ITEM_REQUEST = "MultipleItemRequest"
    PATRON_REQUEST = "PatronRequest"
    TRANSFER_REQUEST = "TransferRequest"
    SUPPLYING_LIBRARYS_CHOICE = "SupplyingLibrarysChoice"


class PreferredEdition(StrEnum):
    """2021 only (``serviceInfo/preferredEdition``, which replaces the deprecated ``anyEdition``)."""

    MOST_RECENT_EDITION = "MostRecentEdition"
    THIS_EDITION = "ThisEdition"
    ANY_EDITION = "AnyEdition"


class ErrorType(StrEnum):
    UNSUPPORTED_ACTION_TYPE = "UnsupportedActionType"
    UNSUPPORTED_REASON_FOR_MESSAGE_TYPE = "UnsupportedReasonForMessageType"
    UNRECOGNISED_DATA_ELEMENT = "UnrecognisedDataElement"
    UNRECOGNISED_DATA_VALUE = "UnrecognisedDataValue"
    BADLY_FORMED_MESSAGE = "BadlyFormedMessage"


class MessageStatus(StrEnum):
    OK = "OK"
    ERROR = "ERROR"


class YesNo(StrEnum):
    """``type_yesNo``; the message classes carry it as a ``bool``."""

    YES = "Y"
    NO = "N"


def _all(enum: type[StrEnum], *, except_: tuple[str, ...] = ()) -> frozenset[str]:
    return frozenset(member.value for member in enum if member.value not in except_)


#: The codes of each closed list that each version allows.
CLOSED_LISTS: dict[type[StrEnum], dict[str, frozenset[str]]] = {
    SupplierStatus: {
        "2017": _all(SupplierStatus, except_=("HoldReturn", "ReleaseHoldReturn")),
        "2021": _all(SupplierStatus),
    },
    RequesterAction: {
        "2017": _all(RequesterAction, except_=("HoldReturn", "Lost")),
        "2021": _all(RequesterAction),
    },
    ReasonForMessage: {"2017": _all(ReasonForMessage), "2021": _all(ReasonForMessage)},
    ServiceType: {"2017": _all(ServiceType), "2021": _all(ServiceType)},
    RequestType: {"2017": _all(RequestType), "2021": _all(RequestType)},
    RequestSubType: {"2017": _all(RequestSubType), "2021": _all(RequestSubType)},
    PreferredEdition: {"2017": frozenset(), "2021": _all(PreferredEdition)},
    ErrorType: {"2017": _all(ErrorType), "2021": _all(ErrorType)},
    MessageStatus: {"2017": _all(MessageStatus), "2021": _all(MessageStatus)},
    YesNo: {"2017": _all(YesNo), "2021": _all(YesNo)},
}

SUPPLIER_STATUSES_BY_VERSION = CLOSED_LISTS[SupplierStatus]
REQUESTER_ACTIONS_BY_VERSION = CLOSED_LISTS[RequesterAction]

# The codes every version knows. 2021 only added codes, so these are the 2017 lists.
SUPPLIER_STATUSES = CLOSED_LISTS[SupplierStatus]["2017"]
REQUESTER_ACTIONS = CLOSED_LISTS[RequesterAction]["2017"]
REASONS_FOR_MESSAGE = CLOSED_LISTS[ReasonForMessage]["2017"]
SERVICE_TYPES = CLOSED_LISTS[ServiceType]["2017"]
REQUEST_TYPES = CLOSED_LISTS[RequestType]["2017"]
REQUEST_SUB_TYPES = CLOSED_LISTS[RequestSubType]["2017"]
ERROR_TYPES = CLOSED_LISTS[ErrorType]["2017"]
MESSAGE_STATUSES = CLOSED_LISTS[MessageStatus]["2017"]


def allowed(code_list: type[StrEnum], version: str) -> frozenset[str]:
    """The codes of a closed list that ``version`` allows."""
    return CLOSED_LISTS[code_list][version]


# --- Open lists ---------------------------------------------------------------------------------

_REASONS_UNFILLED = {
    "NonCirculating": _("Non-circulating (e.g. a reference book)"),
    "NotAvailableForILL": _("Not available for interlibrary loan"),
    "NotHeld": _("Not held"),
    "NotOnShelf": _("Not on the shelf"),
    "PolicyProblem": _("Policy problem"),
    "PoorCondition": _("Poor condition"),
}

#: ``messageInfo/reasonUnfilled``: why a supplier cannot supply. The same in both versions.
REASONS_UNFILLED_BY_VERSION = {"2017": dict(_REASONS_UNFILLED), "2021": dict(_REASONS_UNFILLED)}

_REASONS_RETRY_BOTH = {
    "AtBindery": _("At the bindery"),
    "CostExceedsMaxCost": _("The cost exceeds the maximum cost"),
    "NotCurrentAvailableForILL": _("Not currently available for interlibrary loan"),
    "NotFoundAsCited": _("Not found as cited"),
    "OnLoan": _("On loan"),
    "OnOrder": _("On order"),
    "ReqDelDateNotPossible": _("The requested delivery date is not possible"),
    "ReqDelMethodNotSupp": _("The requested delivery method is not supported"),
}

#: ``messageInfo/reasonRetry``: why a supplier asks the requester to try again with other terms.
#: 2021 drops LoanPossible (a loan is offered through ``retryInfo/serviceType`` instead) and adds
#: codes that name the ``retryInfo`` element carrying the supplier's terms.
REASONS_RETRY_BY_VERSION = {
    "2017": {
        **_REASONS_RETRY_BOTH,
        "LoanPossible": _("A loan is possible, but not a copy"),
    },
    "2021": {
        **_REASONS_RETRY_BOTH,
        "CourierNotSupp": _("The courier is not supported"),
        "MultiVolAvail": _("More than one volume could fill the request"),
        "MustMeetLoanCondition": _("A loan condition must be met"),
        "ReqEditionNotPossible": _("The requested edition cannot be supplied"),
        "ReqFormatNotPossible": _("The requested format is not possible"),
        "ReqPayMethodNotSupported": _("The requested payment method is not supported"),
        "ReqServLevelNotSupp": _("The requested service level is not supported"),
        "ReqServTypeNotPossible": _("The requested service type is not possible"),
    },
}

#: Retry reasons that peers send although no published list has them: Index Data's crosslink
#: broker (used by ReShare consortia) sends LoanCondition where 2021 says MustMeetLoanCondition.
PEER_REASONS_RETRY = {"LoanCondition": _("A loan condition must be met")}

_LOAN_CONDITIONS = {
    "LibraryUseOnly": _("Use in the library only"),
    "NoReproduction": _("No reproduction"),
    "SignatureRequired": _("Signature required"),
    "SpecCollSupervReq": _("Supervised use in special collections"),
    "WatchLibraryUseOnly": _("Supervised use in the library only"),
}

#: ``deliveryInfo/loanCondition``: conditions the supplier sets on a loan. The same in both
#: versions; 2021 also lets a request and a retry carry them.
LOAN_CONDITIONS_BY_VERSION = {"2017": dict(_LOAN_CONDITIONS), "2021": dict(_LOAN_CONDITIONS)}

#: The scheme URIs ISO 18626:2017 gives its open lists (the optional ``ill:scheme`` attribute).
OPEN_LIST_SCHEMES_2017 = {
    "reasonUnfilled": "http://illtransactions.org/ISO18626/OpenCodeList/ReasonUnfilledList-V1.0",
    "reasonRetry": "http://illtransactions.org/ISO18626/OpenCodeList/ReasonRetryList-V1.0",
    "loanCondition": "http://illtransactions.org/ISO18626/OpenCodeList/LoanConditionList-V1.0",
}


#: Every code of each open list that some version has, with its label: for choices and display.
REASONS_UNFILLED = {**REASONS_UNFILLED_BY_VERSION["2017"], **REASONS_UNFILLED_BY_VERSION["2021"]}
REASONS_RETRY = {**REASONS_RETRY_BY_VERSION["2017"], **REASONS_RETRY_BY_VERSION["2021"]}
LOAN_CONDITIONS = {**LOAN_CONDITIONS_BY_VERSION["2017"], **LOAN_CONDITIONS_BY_VERSION["2021"]}


def label(open_list: dict[str, object], code: str):
    """The human label of ``code`` in ``open_list`` (e.g. ``REASONS_RETRY``), or the code itself:
    open lists admit codes we do not know."""
    if open_list is REASONS_RETRY and code not in open_list:
        return PEER_REASONS_RETRY.get(code, code)
    return open_list.get(code, code)


# --- How the two versions differ (what ill.iso18626.xml implements) ------------------------------

#: Elements renamed in 2021, as (2017 path, 2021 path).
RENAMED_IN_2021 = (
    ("deliveryInfo/sentVia", "deliveryInfo/deliveryMethod"),
    ("deliveryInfo/deliveredFormat", "deliveryInfo/itemFormat"),
    ("serviceInfo/preferredFormat", "serviceInfo/itemFormat"),
)

#: Elements moved in 2021, as (2017 path, 2021 path).
MOVED_IN_2021 = (
    ("messageInfo/offeredCosts", "retryInfo/offeredCosts"),
    ("messageInfo/retryAfter", "retryInfo/retryAfter"),
    ("messageInfo/retryBefore", "retryInfo/retryBefore"),
)

#: Elements only 2021 has.
ADDED_IN_2021 = (
    "header/consortialId (request, requestingAgencyMessage)",
    "bibliographicInfo/authorId",
    "publicationInfo/publisherId",
    "serviceInfo/preferredEdition",
    "serviceInfo/loanCondition",
    "requestedDeliveryInfo/deliveryMethod",
    "requestedDeliveryInfo/courierName",
    "supplyingAgencyMessage/retryInfo",
    "supplyingAgencyMessage/shippingInfo",
    "deliveryInfo/URL",
    "deliveryInfo/address",
    "deliveryInfo/serviceType",
    "deliveryInfo/paymentMethod",
)

#: Elements only 2017 has.
REMOVED_IN_2021 = (
    "header/multipleItemRequestId (supplyingAgencyMessage, requestingAgencyMessage)",
    "header/supplyingAgencyRequestId (request)",
    "header/requestingAgencyAuthentication (supplyingAgencyMessage)",
    "confirmationHeader/multipleItemRequestId",
)

#: Other changes in structure, 2017 -> 2021.
CHANGED_IN_2021 = (
    "One header per message type instead of one shared header.",
    "header/supplyingAgencyId: mandatory -> optional in a request.",
    "header/multipleItemRequestId: mandatory -> optional in a request.",
    "request/serviceInfo: optional -> mandatory.",
    "bibliographicItemId: bibliographicItemIdentifierCode now comes before bibliographicItemIdentifier.",
    "bibliographicInfo/volume, deliveryInfo/itemId, loanCondition, deliveryCosts, offeredCosts and "
    "errorData may repeat.",
    "serviceInfo/requestSubType: at most 3 -> unbounded.",
    "sortOrder: any integer -> 0 or more.",
    "physicalAddress/region: scheme/value pair -> plain string.",
    "Closed lists: status adds HoldReturn, ReleaseHoldReturn; action adds HoldReturn, Lost.",
)
