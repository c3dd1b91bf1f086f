"""ISO 18626 messages to and from XML, for the 2017 (v1.2) and 2021 (2021-2) schemas.

``render(message, version)`` writes a message in the element order its schema requires;
``parse(data)`` reads one, finds its version from ``ill:version`` (or, when that is missing or
unknown, from elements only 2021 has) and raises ``MessageError`` with the standard's error type
when it cannot. Input is hostile until proven otherwise: it is size-limited, parsed by lxml with
no DTD, no entity resolution and no network, and any document with a DOCTYPE is refused before
lxml sees it. A rejected message keeps what could be read of its header
(``MessageError.partial_header``) so that ``render_confirmation_for_error`` can answer with a
schema-valid Confirmation that echoes the agency ids and request id.

The layouts below are the two schemas' sequences, element by element: (element name, field,
kind, occurrence), where the kind is a simple type ("s" string, "s0" string whose empty value
means None, "svp" scheme/value pair, "i" integer, "d" decimal, "t" dateTime, "yn" Y/N, "b"
boolean), a closed code list (a ``StrEnum`` of ``codes``), "addr" (the address choice) or a
message class; the occurrence is "1" (required), "?" (optional) or "*" (repeatable).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from lxml import etree

from ill.iso18626.codes import (
    DEFAULT_VERSION,
    NAMESPACE,
    VERSION_ALIASES,
    VERSION_ATTRIBUTE,
    VERSIONS,
    ErrorType,
    MessageStatus,
    PreferredEdition,
    ReasonForMessage,
    RequesterAction,
    RequestSubType,
    RequestType,
    ServiceType,
    SupplierStatus,
    allowed,
)
from ill.iso18626.messages import (
    AgencyId,
    Authentication,
    BibliographicInfo,
    BibliographicItemId,
    BibliographicRecordId,
    BillingInfo,
    ConfirmationHeader,
    Costs,
    DeliveryInfo,
    ElectronicAddress,
    ErrorData,
    Header,
    Message,
    MessageInfo,
    PatronInfo,
    PhysicalAddress,
    PublicationInfo,
    Request,
    RequestConfirmation,
    RequestedDeliveryInfo,
    RequestingAgencyInfo,
    RequestingAgencyMessage,
    RequestingAgencyMessageConfirmation,
    RetryInfo,
    ReturnInfo,
    ServiceInfo,
    ShippingInfo,
    StatusInfo,
    SupplierInfo,
    SupplyingAgencyMessage,
    SupplyingAgencyMessageConfirmation,
)

#: Larger messages are refused unread. A real ISO 18626 message is a few kilobytes.
MAX_MESSAGE_BYTES = 1024 * 1024

_ROOT = "ISO18626Message"


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


# --- Errors -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PartialHeader:
    """What could be read of a rejected message's header, unchecked but safe to echo."""

    supplying_agency_id: AgencyId | None = None
    requesting_agency_id: AgencyId | None = None
    timestamp: datetime | None = None
    requesting_agency_request_id: str | None = None
    supplying_agency_request_id: str | None = None
    multiple_item_request_id: str | None = None
    action: RequesterAction | None = None
    reason_for_message: ReasonForMessage | None = None


class MessageError(Exception):
    """A message we cannot accept, with the ISO 18626 error type to answer it with.

    ``message_type`` is the message's class when it could be told (so the answer is the right
    kind of Confirmation), ``version`` the version it was read as.
    """

    def __init__(
        self,
        error_type: ErrorType,
        error_value: str,
        *,
        partial_header: PartialHeader | None = None,
        message_type: type | None = None,
        version: str | None = None,
    ):
        super().__init__(f"{error_type}: {error_value}")
        self.error_type = ErrorType(error_type)
        self.error_value = error_value
        self.partial_header = partial_header
        self.message_type = message_type
        self.version = version


@dataclass(frozen=True)
class Parsed:
    message: Message
    version: str


# --- Layouts ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _RetryInfo2021:
    """The 2021 ``retryInfo`` element: ``RetryInfo`` plus the costs and dates of ``MessageInfo``."""

    loan_conditions: tuple[str, ...] = ()
    editions: tuple[str, ...] = ()
    item_formats: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    service_type: ServiceType | str | None = None
    service_levels: tuple[str, ...] = ()
    delivery_methods: tuple[str, ...] = ()
    courier_names: tuple[str, ...] = ()
    offered_costs: tuple[Costs, ...] = ()
    payment_methods: tuple[str, ...] = ()
    retry_before: datetime | None = None
    retry_after: datetime | None = None


_Layout = tuple[tuple[str, str, Any, str], ...]

_AGENCY_ID: _Layout = (
    ("agencyIdType", "type", "svp", "1"),
    ("agencyIdValue", "value", "s", "1"),
)
_COSTS: _Layout = (
    ("currencyCode", "currency", "svp", "1"),
    ("monetaryValue", "amount", "d", "1"),
)
_AUTHENTICATION: _Layout = (
    ("accountId", "account_id", "s", "?"),
    ("securityCode", "security_code", "s", "?"),
)
_HEADER_2017: _Layout = (
    ("supplyingAgencyId", "supplying_agency_id", AgencyId, "1"),
    ("requestingAgencyId", "requesting_agency_id", AgencyId, "1"),
    ("multipleItemRequestId", "multiple_item_request_id", "s0", "1"),
    ("timestamp", "timestamp", "t", "1"),
    ("requestingAgencyRequestId", "requesting_agency_request_id", "s", "1"),
    ("supplyingAgencyRequestId", "supplying_agency_request_id", "s", "?"),
    ("requestingAgencyAuthentication", "requesting_agency_authentication", Authentication, "?"),
)
_HEADER_2021_REQUEST: _Layout = (
    ("supplyingAgencyId", "supplying_agency_id", AgencyId, "?"),
    ("requestingAgencyId", "requesting_agency_id", AgencyId, "1"),
    ("consortialId", "consortial_id", AgencyId, "?"),
    ("multipleItemRequestId", "multiple_item_request_id", "s0", "?"),
    ("timestamp", "timestamp", "t", "1"),
    ("requestingAgencyRequestId", "requesting_agency_request_id", "s", "1"),
    ("requestingAgencyAuthentication", "requesting_agency_authentication", Authentication, "?"),
)
_HEADER_2021_SUPPLYING: _Layout = (
    ("supplyingAgencyId", "supplying_agency_id", AgencyId, "1"),
    ("requestingAgencyId", "requesting_agency_id", AgencyId, "1"),
    ("timestamp", "timestamp", "t", "1"),
    ("requestingAgencyRequestId", "requesting_agency_request_id", "s", "1"),
    ("supplyingAgencyRequestId", "supplying_agency_request_id", "s", "?"),
)
_HEADER_2021_REQUESTING: _Layout = (
    ("supplyingAgencyId", "supplying_agency_id", AgencyId, "1"),
    ("requestingAgencyId", "requesting_agency_id", AgencyId, "1"),
    ("consortialId", "consortial_id", AgencyId, "?"),
    ("timestamp", "timestamp", "t", "1"),
    ("requestingAgencyRequestId", "requesting_agency_request_id", "s", "1"),
    ("supplyingAgencyRequestId", "supplying_agency_request_id", "s", "?"),
    ("requestingAgencyAuthentication", "requesting_agency_authentication", Authentication, "?"),
)


def _bibliographic_info(version: str) -> _Layout:
    return (
        ("supplierUniqueRecordId", "supplier_unique_record_id", "s", "?"),
        ("title", "title", "s", "?"),
        ("author", "author", "s", "?"),
        *((("authorId", "author_id", "s", "?"),) if version == "2021" else ()),
        ("subtitle", "subtitle", "s", "?"),
        ("seriesTitle", "series_title", "s", "?"),
        ("edition", "edition", "s", "?"),
        ("titleOfComponent", "title_of_component", "s", "?"),
        ("authorOfComponent", "author_of_component", "s", "?"),
        ("volume", "volumes", "s", "*" if version == "2021" else "?"),
        ("issue", "issue", "s", "?"),
        ("pagesRequested", "pages_requested", "s", "?"),
        ("estimatedNoPages", "estimated_no_pages", "s", "?"),
        ("bibliographicItemId", "bibliographic_item_ids", BibliographicItemId, "*"),
        ("sponsor", "sponsor", "s", "?"),
        ("informationSource", "information_source", "s", "?"),
        ("bibliographicRecordId", "bibliographic_record_ids", BibliographicRecordId, "*"),
    )


def _service_info(version: str) -> _Layout:
    new = version == "2021"
    return (
        ("requestType", "request_type", RequestType, "?"),
        ("requestSubType", "request_sub_types", RequestSubType, "*"),
        ("requestingAgencyPreviousRequestId", "requesting_agency_previous_request_id", "s", "?"),
        ("serviceType", "service_type", ServiceType, "1"),
        ("serviceLevel", "service_level", "svp", "?"),
        ("itemFormat" if new else "preferredFormat", "preferred_format", "svp", "?"),
        ("needBeforeDate", "need_before_date", "t", "?"),
        ("copyrightCompliance", "copyright_compliance", "svp", "?"),
        ("anyEdition", "any_edition", "yn", "?"),
        *(
            (
                ("preferredEdition", "preferred_edition", PreferredEdition, "?"),
                ("loanCondition", "loan_conditions", "svp", "*"),
            )
            if new
            else ()
        ),
        ("startDate", "start_date", "t", "?"),
        ("endDate", "end_date", "t", "?"),
        ("note", "note", "s", "?"),
    )


def _delivery_info(version: str) -> _Layout:
    if version == "2017":
        return (
            ("dateSent", "date_sent", "t", "1"),
            ("itemId", "item_ids", "s", "?"),
            ("sentVia", "sent_via", "svp", "?"),
            ("sentToPatron", "sent_to_patron", "b", "?"),
            ("loanCondition", "loan_conditions", "svp", "?"),
            ("deliveredFormat", "delivered_format", "svp", "?"),
            ("deliveryCosts", "delivery_costs", Costs, "?"),
        )
    return (
        ("dateSent", "date_sent", "t", "1"),
        ("itemId", "item_ids", "s", "*"),
        ("URL", "url", "s", "?"),
        ("deliveryMethod", "sent_via", "svp", "?"),
        ("address", "address", "addr", "?"),
        ("sentToPatron", "sent_to_patron", "b", "?"),
        ("loanCondition", "loan_conditions", "svp", "*"),
        ("itemFormat", "delivered_format", "svp", "?"),
        ("serviceType", "service_type", ServiceType, "?"),
        ("deliveryCosts", "delivery_costs", Costs, "*"),
        ("paymentMethod", "payment_method", "svp", "?"),
    )


def _confirmation_header(version: str) -> _Layout:
    return (
        ("supplyingAgencyId", "supplying_agency_id", AgencyId, "?"),
        ("requestingAgencyId", "requesting_agency_id", AgencyId, "?"),
        ("timestamp", "timestamp", "t", "1"),
        ("requestingAgencyRequestId", "requesting_agency_request_id", "s", "?"),
        *((("multipleItemRequestId", "multiple_item_request_id", "s0", "?"),) if version == "2017" else ()),
        ("timestampReceived", "timestamp_received", "t", "1"),
        ("messageStatus", "message_status", MessageStatus, "1"),
    )


def _build_layouts() -> dict[tuple[Any, str, Any], _Layout]:
    layouts: dict[tuple[Any, str, Any], _Layout] = {}
    for v in VERSIONS:
        new = v == "2021"
        many = "*" if new else "?"
        common: dict[Any, _Layout] = {
            AgencyId: _AGENCY_ID,
            Costs: _COSTS,
            Authentication: _AUTHENTICATION,
            BibliographicItemId: (
                (
                    ("bibliographicItemIdentifierCode", "code", "svp", "1"),
                    ("bibliographicItemIdentifier", "value", "s", "1"),
                )
                if new
                else (
                    ("bibliographicItemIdentifier", "value", "s", "1"),
                    ("bibliographicItemIdentifierCode", "code", "svp", "1"),
                )
            ),
            BibliographicRecordId: (
                ("bibliographicRecordIdentifierCode", "code", "svp", "1"),
                ("bibliographicRecordIdentifier", "value", "s", "1"),
            ),
            BibliographicInfo: _bibliographic_info(v),
            PublicationInfo: (
                ("publisher", "publisher", "s", "?"),
                *((("publisherId", "publisher_id", "s", "?"),) if new else ()),
                ("publicationType", "publication_type", "svp", "?"),
                ("publicationDate", "publication_date", "s", "?"),
                ("placeOfPublication", "place_of_publication", "s", "?"),
            ),
            ServiceInfo: _service_info(v),
            SupplierInfo: (
                ("sortOrder", "sort_order", "i", "?"),
                ("supplierCode", "supplier_code", AgencyId, "?"),
                ("supplierDescription", "supplier_description", "s", "?"),
                ("bibliographicRecordId", "bibliographic_record_id", BibliographicRecordId, "?"),
                ("callNumber", "call_number", "s", "?"),
                ("summaryHoldings", "summary_holdings", "s", "?"),
                ("availabilityNote", "availability_note", "s", "?"),
            ),
            PhysicalAddress: (
                ("line1", "line1", "s", "?"),
                ("line2", "line2", "s", "?"),
                ("locality", "locality", "s", "?"),
                ("postalCode", "postal_code", "s", "?"),
                ("region", "region", "svp", "?"),
                ("country", "country", "svp", "?"),
            ),
            ElectronicAddress: (
                ("electronicAddressType", "type", "svp", "1"),
                ("electronicAddressData", "data", "s", "1"),
            ),
            RequestedDeliveryInfo: (
                ("sortOrder", "sort_order", "i", "?"),
                ("address", "address", "addr", "?"),
                *(
                    (
                        ("deliveryMethod", "delivery_method", "svp", "?"),
                        ("courierName", "courier_name", "svp", "?"),
                    )
                    if new
                    else ()
                ),
            ),
            RequestingAgencyInfo: (
                ("name", "name", "s", "?"),
                ("contactName", "contact_name", "s", "?"),
                ("address", "addresses", "addr", "*"),
            ),
            PatronInfo: (
                ("patronId", "patron_id", "s", "?"),
                ("surname", "surname", "s", "?"),
                ("givenName", "given_name", "s", "?"),
                ("patronType", "patron_type", "svp", "?"),
                ("sendToPatron", "send_to_patron", "yn", "?"),
                ("address", "addresses", "addr", "*"),
            ),
            BillingInfo: (
                ("paymentMethod", "payment_method", "svp", "?"),
                ("maximumCosts", "maximum_costs", Costs, "?"),
                ("billingMethod", "billing_method", "svp", "?"),
                ("billingName", "billing_name", "s", "?"),
                ("address", "address", "addr", "?"),
            ),
            Request: (
                ("header", "header", Header, "1"),
                ("bibliographicInfo", "bibliographic_info", BibliographicInfo, "1"),
                ("publicationInfo", "publication_info", PublicationInfo, "?"),
                ("serviceInfo", "service_info", ServiceInfo, "1" if new else "?"),
                ("supplierInfo", "supplier_info", SupplierInfo, "*"),
                ("requestedDeliveryInfo", "requested_delivery_info", RequestedDeliveryInfo, "*"),
                ("requestingAgencyInfo", "requesting_agency_info", RequestingAgencyInfo, "?"),
                ("patronInfo", "patron_info", PatronInfo, "?"),
                ("billingInfo", "billing_info", BillingInfo, "?"),
            ),
            MessageInfo: (
                ("reasonForMessage", "reason_for_message", ReasonForMessage, "1"),
                ("answerYesNo", "answer_yes_no", "yn", "?"),
                ("note", "note", "s", "?"),
                ("reasonUnfilled", "reason_unfilled", "svp", "?"),
                ("reasonRetry", "reason_retry", "svp", "?"),
                *(
                    ()
                    if new
                    else (
                        ("offeredCosts", "offered_costs", Costs, "?"),
                        ("retryAfter", "retry_after", "t", "?"),
                        ("retryBefore", "retry_before", "t", "?"),
                    )
                ),
            ),
            StatusInfo: (
                ("status", "status", SupplierStatus, "1"),
                ("expectedDeliveryDate", "expected_delivery_date", "t", "?"),
                ("dueDate", "due_date", "t", "?"),
                ("lastChange", "last_change", "t", "1"),
            ),
            _RetryInfo2021: (
                ("loanCondition", "loan_conditions", "svp", "*"),
                ("edition", "editions", "s", "*"),
                ("itemFormat", "item_formats", "svp", "*"),
                ("volume", "volumes", "s", "*"),
                ("serviceType", "service_type", ServiceType, "?"),
                ("serviceLevel", "service_levels", "svp", "*"),
                ("deliveryMethod", "delivery_methods", "svp", "*"),
                ("courierName", "courier_names", "svp", "*"),
                ("offeredCosts", "offered_costs", Costs, "*"),
                ("paymentMethod", "payment_methods", "svp", "*"),
                ("retryBefore", "retry_before", "t", "?"),
                ("retryAfter", "retry_after", "t", "?"),
            ),
            DeliveryInfo: _delivery_info(v),
            ShippingInfo: (
                ("courierName", "courier_name", "svp", "?"),
                ("trackingId", "tracking_ids", "s", "*"),
                ("insurance", "insurance", "yn", "?"),
                ("insuranceThirdParty", "insurance_third_party", "yn", "?"),
                ("thirdPartyName", "third_party_name", "s", "?"),
                ("insuranceCosts", "insurance_costs", Costs, "*"),
            ),
            ReturnInfo: (
                ("returnAgencyId", "return_agency_id", AgencyId, "?"),
                ("name", "name", "s", "?"),
                ("physicalAddress", "physical_address", PhysicalAddress, "?"),
            ),
            SupplyingAgencyMessage: (
                ("header", "header", Header, "1"),
                ("messageInfo", "message_info", MessageInfo, "1"),
                ("statusInfo", "status_info", StatusInfo, "1"),
                *((("retryInfo", "retry_info", _RetryInfo2021, "?"),) if new else ()),
                ("deliveryInfo", "delivery_info", DeliveryInfo, "?"),
                *((("shippingInfo", "shipping_info", ShippingInfo, "?"),) if new else ()),
                ("returnInfo", "return_info", ReturnInfo, "?"),
            ),
            RequestingAgencyMessage: (
                ("header", "header", Header, "1"),
                ("action", "action", RequesterAction, "1"),
                ("note", "note", "s", "?"),
            ),
            ConfirmationHeader: _confirmation_header(v),
            ErrorData: (
                ("errorType", "error_type", ErrorType, "1"),
                ("errorValue", "error_value", "s", "?"),
            ),
            RequestConfirmation: (
                ("confirmationHeader", "confirmation_header", ConfirmationHeader, "1"),
                ("errorData", "error_data", ErrorData, many),
            ),
            SupplyingAgencyMessageConfirmation: (
                ("confirmationHeader", "confirmation_header", ConfirmationHeader, "1"),
                ("reasonForMessage", "reason_for_message", ReasonForMessage, "?"),
                ("errorData", "error_data", ErrorData, many),
            ),
            RequestingAgencyMessageConfirmation: (
                ("confirmationHeader", "confirmation_header", ConfirmationHeader, "1"),
                ("action", "action", RequesterAction, "?"),
                ("errorData", "error_data", ErrorData, many),
            ),
        }
        for cls, layout in common.items():
            layouts[(cls, v, None)] = layout
        if new:
            layouts[(Header, v, Request)] = _HEADER_2021_REQUEST
            layouts[(Header, v, SupplyingAgencyMessage)] = _HEADER_2021_SUPPLYING
            layouts[(Header, v, RequestingAgencyMessage)] = _HEADER_2021_REQUESTING
        else:
            layouts[(Header, v, None)] = _HEADER_2017
    return layouts


_LAYOUTS = _build_layouts()

#: The element under ISO18626Message for each message class.
_MESSAGE_TAGS = {
    Request: "request",
    RequestConfirmation: "requestConfirmation",
    SupplyingAgencyMessage: "supplyingAgencyMessage",
    SupplyingAgencyMessageConfirmation: "supplyingAgencyMessageConfirmation",
    RequestingAgencyMessage: "requestingAgencyMessage",
    RequestingAgencyMessageConfirmation: "requestingAgencyMessageConfirmation",
}
_MESSAGE_CLASSES = {tag: cls for cls, tag in _MESSAGE_TAGS.items()}

#: Elements only a 2021 message has; they decide the version when ``ill:version`` does not.
_ONLY_2021 = frozenset(
    {"consortialId", "authorId", "publisherId", "preferredEdition", "itemFormat", "deliveryMethod",
     "courierName", "retryInfo", "shippingInfo", "URL"}
)


def _layout(cls: type, version: str, message_type: type) -> _Layout:
    return _LAYOUTS.get((cls, version, message_type)) or _LAYOUTS[(cls, version, None)]


def _tuple_fields(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls) if f.default == ())


# --- Simple values ------------------------------------------------------------------------------

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str, limit: int = 500) -> str:
    """``text`` without the characters XML 1.0 cannot carry, cut to ``limit`` characters."""
    return _NOT_XML.sub("\ufffd", text)[:limit]


def parse_datetime(text: str) -> datetime:
    """An ``xs:dateTime``; fractions beyond microseconds are cut. Raises ``ValueError``."""
    match = _DATETIME.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a dateTime: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micro = int(((match.group(7) or "") + "000000")[:6])
    zone = match.group(8)
    tzinfo = None
    if zone == "Z":
        tzinfo = UTC
    elif zone:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 14 or minutes > 59:
            raise ValueError(f"bad time zone: {zone}")
        offset = timedelta(hours=hours, minutes=minutes)
        tzinfo = timezone(-offset if zone[0] == "-" else offset)
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=tzinfo)


def format_datetime(value: datetime) -> str:
    text = value.isoformat()
    if value.tzinfo is not None and value.utcoffset() == timedelta(0):
        text = text[: -len("+00:00")] + "Z"
    return text


def _format(value: Any, kind: Any, version: str, where: str) -> str:
    if kind in ("s", "s0", "svp"):
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected a string, got {value!r}")
        return value
    if kind == "i":
        return str(int(value))
    if kind == "d":
        value = Decimal(value)
        if not value.is_finite():
            raise ValueError(f"{where}: {value} is not a decimal number")
        return format(value, "f")
    if kind == "t":
        return format_datetime(value)
    if kind == "yn":
        return "Y" if value else "N"
    if kind == "b":
        return "true" if value else "false"
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        if str(value) not in allowed(kind, version):
            raise ValueError(f"{where}: {value!r} is not a {kind.__name__} in version {version}")
        return str(value)
    raise AssertionError(kind)


def _error_type_for(code_list: type) -> ErrorType:
    if code_list is RequesterAction:
        return ErrorType.UNSUPPORTED_ACTION_TYPE
    if code_list is ReasonForMessage:
        return ErrorType.UNSUPPORTED_REASON_FOR_MESSAGE_TYPE
    return ErrorType.UNRECOGNISED_DATA_VALUE


def _value(text: str, kind: Any, version: str, where: str) -> Any:
    bad = ErrorType.UNRECOGNISED_DATA_VALUE
    if kind == "s":
        return text
    if kind == "s0":
        return text or None
    stripped = text.strip()
    if kind == "svp":
        return stripped
    if kind == "i":
        if not _INTEGER.fullmatch(stripped):
            raise MessageError(bad, f"{where}: not an integer: {stripped[:50]!r}")
        return int(stripped)
    if kind == "d":
        if not _DECIMAL.fullmatch(stripped) or len(stripped) > 40:
            raise MessageError(bad, f"{where}: not a decimal number: {stripped[:50]!r}")
        try:
            return Decimal(stripped)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            raise MessageError(bad, f"{where}: not a decimal number") from None
    if kind == "t":
        try:
            return parse_datetime(stripped)
        except (ValueError, OverflowError):
            raise MessageError(bad, f"{where}: not a dateTime: {stripped[:50]!r}") from None
    if kind == "yn":
        if stripped not in ("Y", "N"):
            raise MessageError(bad, f"{where}: expected Y or N, got {stripped[:50]!r}")
        return stripped == "Y"
    if kind == "b":
        if stripped not in ("true", "false", "1", "0"):
            raise MessageError(bad, f"{where}: expected true or false, got {stripped[:50]!r}")
        return stripped in ("true", "1")
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        if stripped not in allowed(kind, version):
            raise MessageError(_error_type_for(kind), f"{where}: {stripped[:100]!r} is not a known value")
        return kind(stripped)
    raise AssertionError(kind)


# --- Rendering ----------------------------------------------------------------------------------


def _render_values(parent: etree._Element, values: dict[str, Any], cls: type, version: str,
                   message_type: type, where: str) -> None:
    for tag, attr, kind, occurrence in _layout(cls, version, message_type):
        value = values[attr]
        items = list(value) if isinstance(value, tuple) else ([] if value is None else [value])
        if occurrence != "*":
            items = items[:1]
        if not items:
            if occurrence == "1" and kind == "s0":
                etree.SubElement(parent, _q(tag)).text = ""
            elif occurrence == "1":
                raise ValueError(f"{where}/{tag} is required in version {version}")
            continue
        for item in items:
            _render_item(parent, tag, item, kind, version, message_type, f"{where}/{tag}")


def _render_item(parent: etree._Element, tag: str, item: Any, kind: Any, version: str,
                 message_type: type, where: str) -> None:
    element = etree.SubElement(parent, _q(tag))
    if kind == "addr":
        choice = "physicalAddress" if isinstance(item, PhysicalAddress) else "electronicAddress"
        _render_object(element, choice, item, version, message_type, where)
    elif dataclasses.is_dataclass(kind):
        if not isinstance(item, kind):
            raise ValueError(f"{where}: expected {kind.__name__}, got {type(item).__name__}")
        _render_values(element, _field_values(item, version), kind, version, message_type, where)
    else:
        element.text = _format(item, kind, version, where)


def _render_object(parent: etree._Element, tag: str, obj: Any, version: str, message_type: type,
                   where: str) -> None:
    element = etree.SubElement(parent, _q(tag))
    _render_values(element, _field_values(obj, version), type(obj), version, message_type, f"{where}/{tag}")


def _field_values(obj: Any, version: str) -> dict[str, Any]:
    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, SupplyingAgencyMessage) and version == "2021":
        info, retry = obj.message_info, obj.retry_info or RetryInfo()
        if obj.retry_info or info.offered_costs or info.retry_after or info.retry_before:
            values["retry_info"] = _RetryInfo2021(
                **{f.name: getattr(retry, f.name) for f in dataclasses.fields(RetryInfo)},
                offered_costs=info.offered_costs,
                retry_before=info.retry_before,
                retry_after=info.retry_after,
            )
    return values


def _message_root(version: str) -> etree._Element:
    if version not in VERSIONS:
        raise ValueError(f"unknown ISO 18626 version {version!r}; expected one of {VERSIONS}")
    root = etree.Element(_q(_ROOT), nsmap={None: NAMESPACE, "ill": NAMESPACE})
    root.set(_q("version"), VERSION_ATTRIBUTE[version])
    return root


def render(message: Message, version: str = DEFAULT_VERSION) -> bytes:
    """The message as an ISO 18626 XML document (UTF-8) of ``version`` ("2017" or "2021").

    Raises ``ValueError`` when the message lacks something the version requires or holds a
    closed-list code the version does not know. Fields the version has no place for are left out.
    """
    message_type = type(message)
    if message_type not in _MESSAGE_TAGS:
        raise TypeError(f"not an ISO 18626 message: {message_type.__name__}")
    root = _message_root(version)
    _render_object(root, _MESSAGE_TAGS[message_type], message, version, message_type, "")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- Parsing ------------------------------------------------------------------------------------


def _children(element: etree._Element, where: str) -> list[etree._Element]:
    """The child elements, skipping comments and processing instructions."""
    children = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if not child.tag.startswith(f"{{{NAMESPACE}}}"):
            raise MessageError(ErrorType.UNRECOGNISED_DATA_ELEMENT, f"{where}: unexpected element {child.tag[:100]}")
        children.append(child)
    return children


def _text(element: etree._Element, where: str) -> str:
    if _children(element, where):
        raise MessageError(ErrorType.UNRECOGNISED_DATA_ELEMENT, f"{where}: unexpected element inside a value")
    return (element.text or "") + "".join(child.tail or "" for child in element)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _parse_object(element: etree._Element, cls: type, version: str, message_type: type, where: str) -> Any:
    layout = _layout(cls, version, message_type)
    by_tag = {tag: (attr, kind, occurrence) for tag, attr, kind, occurrence in layout}
    found: dict[str, Any] = {}
    for child in _children(element, where):
        tag = _local(child)
        path = f"{where}/{tag}"
        if tag not in by_tag:
            raise MessageError(ErrorType.UNRECOGNISED_DATA_ELEMENT, f"{path}: not expected here")
        attr, kind, occurrence = by_tag[tag]
        value = _parse_item(child, kind, version, message_type, path)
        if occurrence == "*":
            found.setdefault(attr, []).append(value)
        elif attr in found:
            raise MessageError(ErrorType.BADLY_FORMED_MESSAGE, f"{path}: given more than once")
        else:
            found[attr] = value
    for tag, attr, _kind, occurrence in layout:
        if occurrence == "1" and attr not in found:
            raise MessageError(ErrorType.BADLY_FORMED_MESSAGE, f"{where}/{tag}: missing")
    for attr in _tuple_fields(cls):
        if attr in found:
            value = found[attr]
            found[attr] = tuple(value) if isinstance(value, list) else (value,)
    if cls is SupplyingAgencyMessage and "retry_info" in found:
        found = _split_retry_info(found)
    return cls(**found)


def _split_retry_info(found: dict[str, Any]) -> dict[str, Any]:
    merged: _RetryInfo2021 = found["retry_info"]
    retry = RetryInfo(**{f.name: getattr(merged, f.name) for f in dataclasses.fields(RetryInfo)})
    found["retry_info"] = None if retry == RetryInfo() else retry
    found["message_info"] = dataclasses.replace(
        found["message_info"],
        offered_costs=merged.offered_costs,
        retry_before=merged.retry_before,
        retry_after=merged.retry_after,
    )
    return found


def _parse_item(element: etree._Element, kind: Any, version: str, message_type: type, where: str) -> Any:
    if kind == "addr":
        children = _children(element, where)
        if len(children) != 1 or _local(children[0]) not in ("physicalAddress", "electronicAddress"):
            raise MessageError(ErrorType.BADLY_FORMED_MESSAGE, f"{where}: expected one physical or electronic address")
        choice = PhysicalAddress if _local(children[0]) == "physicalAddress" else ElectronicAddress
        return _parse_object(children[0], choice, version, message_type, f"{where}/{_local(children[0])}")
    if dataclasses.is_dataclass(kind):
        return _parse_object(element, kind, version, message_type, where)
    return _value(_text(element, where), kind, version, where)


_DOCTYPE_MARKS = tuple(
    mark.encode(encoding)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def _read_document(data: bytes) -> etree._Element:
    bad = ErrorType.BADLY_FORMED_MESSAGE
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError("an ISO 18626 message is read from bytes")
    if len(data) > MAX_MESSAGE_BYTES:
        raise MessageError(bad, f"message larger than {MAX_MESSAGE_BYTES} bytes")
    if not data.strip():
        raise MessageError(bad, "empty message")
    if any(mark in data for mark in _DOCTYPE_MARKS):
        raise MessageError(bad, "a DOCTYPE or entity declaration is not allowed")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MessageError(bad, xml_safe(f"not well-formed XML: {exc}")) from None
    if root is None:
        raise MessageError(bad, "not an XML document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise MessageError(bad, "a DOCTYPE is not allowed")
    return root


def _version_of(root: etree._Element) -> str:
    declared = root.get(_q("version")) or root.get("version")
    if declared is not None and declared.strip() in VERSION_ALIASES:
        return VERSION_ALIASES[declared.strip()]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = _local(element)
        if name in _ONLY_2021:
            return "2021"
        if name == "bibliographicItemId":
            first = next((c for c in element if isinstance(c.tag, str)), None)
            if first is not None and _local(first) == "bibliographicItemIdentifierCode":
                return "2021"
    return "2017"


def _partial_header(body: etree._Element, version: str) -> PartialHeader:
    """Read what can be read of the header, never raising: it is only echoed back."""

    def text(parent: etree._Element | None, tag: str) -> str | None:
        if parent is None:
            return None
        found = parent.find(_q(tag))
        if found is None or len(found):
            return None
        return xml_safe(found.text or "", 200)

    def agency(parent: etree._Element | None, tag: str) -> AgencyId | None:
        element = parent.find(_q(tag)) if parent is not None else None
        kind, value = text(element, "agencyIdType"), text(element, "agencyIdValue")
        return AgencyId(type=kind.strip(), value=value) if kind is not None and value is not None else None

    def code(value: str | None, code_list: type[StrEnum]) -> Any:
        value = (value or "").strip()
        return code_list(value) if value in allowed(code_list, version) else None

    header = body.find(_q("header"))
    if header is None:
        header = body.find(_q("confirmationHeader"))
    try:
        timestamp = parse_datetime(text(header, "timestamp") or "")
    except (ValueError, OverflowError):
        timestamp = None
    return PartialHeader(
        supplying_agency_id=agency(header, "supplyingAgencyId"),
        requesting_agency_id=agency(header, "requestingAgencyId"),
        timestamp=timestamp,
        requesting_agency_request_id=text(header, "requestingAgencyRequestId"),
        supplying_agency_request_id=text(header, "supplyingAgencyRequestId"),
        multiple_item_request_id=text(header, "multipleItemRequestId") or None,
        action=code(text(body, "action"), RequesterAction),
        reason_for_message=code(text(body.find(_q("messageInfo")), "reasonForMessage")
                                or text(body, "reasonForMessage"), ReasonForMessage),
    )


def parse(data: bytes) -> Parsed:
    """Read an ISO 18626 message of either version. Raises ``MessageError``, and only that
    (besides ``TypeError`` for something that is not bytes)."""
    root = _read_document(data)
    bad = ErrorType.BADLY_FORMED_MESSAGE
    if root.tag != _q(_ROOT):
        raise MessageError(bad, xml_safe(f"the root element is {root.tag}, not {{{NAMESPACE}}}{_ROOT}", 300))
    version = _version_of(root)
    children = _children(root, _ROOT)
    if len(children) != 1:
        raise MessageError(bad, f"{_ROOT} holds {len(children)} messages, not one", version=version)
    body = children[0]
    message_type = _MESSAGE_CLASSES.get(_local(body))
    partial = _partial_header(body, version)
    if message_type is None:
        raise MessageError(ErrorType.UNRECOGNISED_DATA_ELEMENT, f"{_local(body)[:100]}: not an ISO 18626 message",
                           partial_header=partial, version=version)
    try:
        message = _parse_object(body, message_type, version, message_type, _local(body))
    except MessageError as error:
        error.partial_header = partial
        error.message_type = message_type
        error.version = version
        raise
    return Parsed(message=message, version=version)


# --- Confirmations ------------------------------------------------------------------------------


def confirmation_for(message: Request | SupplyingAgencyMessage | RequestingAgencyMessage, *,
                     received_at: datetime | None = None,
                     error_data: tuple[ErrorData, ...] = ()) -> Any:
    """The Confirmation that answers ``message``: OK, or ERROR when ``error_data`` is given."""
    header = message.header
    confirmation_header = ConfirmationHeader(
        supplying_agency_id=header.supplying_agency_id,
        requesting_agency_id=header.requesting_agency_id,
        timestamp=header.timestamp,
        requesting_agency_request_id=header.requesting_agency_request_id,
        multiple_item_request_id=header.multiple_item_request_id,
        timestamp_received=received_at or datetime.now(UTC),
        message_status=MessageStatus.ERROR if error_data else MessageStatus.OK,
    )
    if isinstance(message, SupplyingAgencyMessage):
        return SupplyingAgencyMessageConfirmation(
            confirmation_header=confirmation_header,
            reason_for_message=message.message_info.reason_for_message,
            error_data=error_data,
        )
    if isinstance(message, RequestingAgencyMessage):
        return RequestingAgencyMessageConfirmation(
            confirmation_header=confirmation_header, action=message.action, error_data=error_data
        )
    return RequestConfirmation(confirmation_header=confirmation_header, error_data=error_data)


def error_confirmation(error: MessageError, *, version: str | None = None,
                       received_at: datetime | None = None) -> Any:
    """The ERROR Confirmation for a rejected message, echoing what its header gave."""
    version = version or error.version or DEFAULT_VERSION
    partial = error.partial_header or PartialHeader()
    now = received_at or datetime.now(UTC)
    header = ConfirmationHeader(
        supplying_agency_id=partial.supplying_agency_id,
        requesting_agency_id=partial.requesting_agency_id,
        timestamp=partial.timestamp or now,
        requesting_agency_request_id=partial.requesting_agency_request_id,
        multiple_item_request_id=partial.multiple_item_request_id,
        timestamp_received=now,
        message_status=MessageStatus.ERROR,
    )
    error_data = (ErrorData(error_type=error.error_type, error_value=xml_safe(error.error_value)),)
    if error.message_type is SupplyingAgencyMessage:
        reason = partial.reason_for_message
        if reason is not None and reason not in allowed(ReasonForMessage, version):
            reason = None
        return SupplyingAgencyMessageConfirmation(
            confirmation_header=header, reason_for_message=reason, error_data=error_data
        )
    if error.message_type is RequestingAgencyMessage:
        action = partial.action if partial.action in allowed(RequesterAction, version) else None
        return RequestingAgencyMessageConfirmation(confirmation_header=header, action=action, error_data=error_data)
    return RequestConfirmation(confirmation_header=header, error_data=error_data)


def render_confirmation_for_error(error: MessageError, version: str | None = None, *,
                                  received_at: datetime | None = None) -> bytes:
    """A schema-valid ERROR Confirmation for a rejected message, in ``version`` (by default the
    version the message was read as, else 2017)."""
    version = version or error.version or DEFAULT_VERSION
    return render(error_confirmation(error, version=version, received_at=received_at), version)


__all__ = [
    "MAX_MESSAGE_BYTES",
    "MessageError",
    "Parsed",
    "PartialHeader",
    "confirmation_for",
    "error_confirmation",
    "format_datetime",
    "parse",
    "parse_datetime",
    "render",
    "render_confirmation_for_error",
    "xml_safe",
]
