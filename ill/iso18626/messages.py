"""ISO 18626 messages as frozen dataclasses, one model for both schema versions.

Field names are the standard's element names in snake_case (``supplyingAgencyId`` ->
``supplying_agency_id``), with these exceptions:

- An element that may repeat in either version is a tuple with a plural name: ``volumes``
  (``volume``), ``item_ids`` (``itemId``), ``loan_conditions``, ``delivery_costs``,
  ``offered_costs``, ``bibliographic_item_ids``, ``bibliographic_record_ids``,
  ``request_sub_types``, ``supplier_info``, ``requested_delivery_info``, ``addresses``
  (``address``), ``error_data``, ``tracking_ids``, ``insurance_costs``, and the lists of
  ``RetryInfo``. Where the 2017 schema allows one, only the first is written.
- Renamed in 2021 (see ``codes.RENAMED_IN_2021``), the field keeps its 2017 name:
  ``DeliveryInfo.sent_via`` is 2021's ``deliveryMethod``, ``DeliveryInfo.delivered_format`` and
  ``ServiceInfo.preferred_format`` are 2021's ``itemFormat``.
- Moved in 2021 (``codes.MOVED_IN_2021``): ``MessageInfo.offered_costs``, ``retry_after`` and
  ``retry_before`` are written inside ``retryInfo`` in 2021; ``RetryInfo`` holds the rest of it.
- ``AgencyId(type, value)`` is ``agencyIdType``/``agencyIdValue``; ``BibliographicItemId(code,
  value)`` is ``bibliographicItemIdentifierCode``/``bibliographicItemIdentifier`` (likewise the
  record id); ``Costs(amount, currency)`` is ``monetaryValue``/``currencyCode``;
  ``ElectronicAddress(type, data)`` is ``electronicAddressType``/``electronicAddressData``;
  ``PhysicalAddress.postal_code`` is ``postalCode``; ``DeliveryInfo.url`` is ``URL``.
- ``type_yesNo`` (Y/N) and ``xs:boolean`` values are ``bool``; ``xs:dateTime`` is ``datetime``;
  ``xs:decimal`` is ``Decimal``; closed code lists are the ``StrEnum`` classes of ``codes``
  (plain strings are accepted too); open code lists (scheme/value pairs) are ``str``. The
  optional ``ill:scheme`` attribute of a scheme/value pair is not kept.

A field that one version lacks is simply not written in that version (``consortial_id`` in
2017, ``multiple_item_request_id`` of a supplying agency message in 2021, ...). A field that a
version requires and the message lacks makes ``render`` raise ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ill.iso18626.codes import (
    ErrorType,
    MessageStatus,
    PreferredEdition,
    ReasonForMessage,
    RequesterAction,
    RequestSubType,
    RequestType,
    ServiceType,
    SupplierStatus,
)

_frozen = dataclass(frozen=True, kw_only=True)


@_frozen
class AgencyId:
    type: str  # agencyIdType, e.g. "ISIL"
    value: str  # agencyIdValue


@_frozen
class Costs:
    amount: Decimal  # monetaryValue
    currency: str = "CNY"  # currencyCode, ISO 4217


@_frozen
class Authentication:
    account_id: str | None = None
    security_code: str | None = None


@_frozen
class Header:
    """The message header. 2021 has one per message type; this holds the union of them."""

    requesting_agency_id: AgencyId
    timestamp: datetime
    requesting_agency_request_id: str
    supplying_agency_id: AgencyId | None = None  # mandatory except in a 2021 request
    multiple_item_request_id: str | None = None  # 2017: written empty when None
    supplying_agency_request_id: str | None = None  # not in a 2021 request
    requesting_agency_authentication: Authentication | None = None  # not in a 2021 supplying agency message
    consortial_id: AgencyId | None = None  # 2021, request and requesting agency message


@_frozen
class BibliographicItemId:
    code: str  # "ISBN", "ISSN", ...
    value: str


@_frozen
class BibliographicRecordId:
    code: str  # e.g. "OCLC", "LCCN", or a local scheme
    value: str


@_frozen
class BibliographicInfo:
    supplier_unique_record_id: str | None = None
    title: str | None = None
    author: str | None = None
    author_id: str | None = None  # 2021 (an ISNI)
    subtitle: str | None = None
    series_title: str | None = None
    edition: str | None = None
    title_of_component: str | None = None  # article or chapter, for a copy
    author_of_component: str | None = None
    volumes: tuple[str, ...] = ()
    issue: str | None = None
    pages_requested: str | None = None
    estimated_no_pages: str | None = None
    bibliographic_item_ids: tuple[BibliographicItemId, ...] = ()
    sponsor: str | None = None
    information_source: str | None = None
    bibliographic_record_ids: tuple[BibliographicRecordId, ...] = ()

    def item_id(self, code: str) -> str | None:
        """The first identifier with this code (case-insensitive), e.g. ``item_id("ISBN")``."""
        for item in self.bibliographic_item_ids:
            if item.code.casefold() == code.casefold():
                return item.value
        return None

    @property
    def isbn(self) -> str | None:
        return self.item_id("ISBN")

    @property
    def issn(self) -> str | None:
        return self.item_id("ISSN")


@_frozen
class PublicationInfo:
    publisher: str | None = None
    publisher_id: str | None = None  # 2021 (an ISNI)
    publication_type: str | None = None
    publication_date: str | None = None
    place_of_publication: str | None = None


@_frozen
class ServiceInfo:
    service_type: ServiceType | str
    request_type: RequestType | str | None = None
    request_sub_types: tuple[RequestSubType | str, ...] = ()  # 2017: at most 3
    requesting_agency_previous_request_id: str | None = None
    service_level: str | None = None
    preferred_format: str | None = None  # 2021: itemFormat
    need_before_date: datetime | None = None
    copyright_compliance: str | None = None
    any_edition: bool | None = None  # deprecated in 2021 for preferred_edition
    preferred_edition: PreferredEdition | str | None = None  # 2021
    loan_conditions: tuple[str, ...] = ()  # 2021
    start_date: datetime | None = None
    end_date: datetime | None = None
    note: str | None = None


@_frozen
class SupplierInfo:
    sort_order: int | None = None
    supplier_code: AgencyId | None = None
    supplier_description: str | None = None
    bibliographic_record_id: BibliographicRecordId | None = None
    call_number: str | None = None
    summary_holdings: str | None = None
    availability_note: str | None = None


@_frozen
class PhysicalAddress:
    line1: str | None = None
    line2: str | None = None
    locality: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


@_frozen
class ElectronicAddress:
    type: str  # electronicAddressType, e.g. "Email", "URL"
    data: str  # electronicAddressData


Address = PhysicalAddress | ElectronicAddress


@_frozen
class RequestedDeliveryInfo:
    sort_order: int | None = None
    address: Address | None = None
    delivery_method: str | None = None  # 2021
    courier_name: str | None = None  # 2021


@_frozen
class RequestingAgencyInfo:
    name: str | None = None
    contact_name: str | None = None
    addresses: tuple[Address, ...] = ()


@_frozen
class PatronInfo:
    """Optional in a request; our members send at most an opaque patron id, never a name."""

    patron_id: str | None = None
    surname: str | None = None
    given_name: str | None = None
    patron_type: str | None = None
    send_to_patron: bool | None = None
    addresses: tuple[Address, ...] = ()


@_frozen
class BillingInfo:
    payment_method: str | None = None
    maximum_costs: Costs | None = None
    billing_method: str | None = None
    billing_name: str | None = None
    address: Address | None = None


@_frozen
class Request:
    header: Header
    bibliographic_info: BibliographicInfo
    publication_info: PublicationInfo | None = None
    service_info: ServiceInfo | None = None  # mandatory in 2021
    supplier_info: tuple[SupplierInfo, ...] = ()
    requested_delivery_info: tuple[RequestedDeliveryInfo, ...] = ()
    requesting_agency_info: RequestingAgencyInfo | None = None
    patron_info: PatronInfo | None = None
    billing_info: BillingInfo | None = None


@_frozen
class MessageInfo:
    reason_for_message: ReasonForMessage | str
    answer_yes_no: bool | None = None
    note: str | None = None
    reason_unfilled: str | None = None  # codes.REASONS_UNFILLED
    reason_retry: str | None = None  # codes.REASONS_RETRY
    offered_costs: tuple[Costs, ...] = ()  # 2021: retryInfo/offeredCosts
    retry_after: datetime | None = None  # 2021: retryInfo/retryAfter
    retry_before: datetime | None = None  # 2021: retryInfo/retryBefore


@_frozen
class StatusInfo:
    status: SupplierStatus | str
    last_change: datetime
    expected_delivery_date: datetime | None = None
    due_date: datetime | None = None


@_frozen
class RetryInfo:
    """2021: the terms on which a supplier would fill a retried request (besides the costs and
    dates, which are on ``MessageInfo``)."""

    loan_conditions: tuple[str, ...] = ()
    editions: tuple[str, ...] = ()
    item_formats: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    service_type: ServiceType | str | None = None
    service_levels: tuple[str, ...] = ()
    delivery_methods: tuple[str, ...] = ()
    courier_names: tuple[str, ...] = ()
    payment_methods: tuple[str, ...] = ()


@_frozen
class DeliveryInfo:
    date_sent: datetime
    item_ids: tuple[str, ...] = ()
    url: str | None = None  # 2021
    sent_via: str | None = None  # 2021: deliveryMethod
    address: Address | None = None  # 2021
    sent_to_patron: bool | None = None
    loan_conditions: tuple[str, ...] = ()  # codes.LOAN_CONDITIONS
    delivered_format: str | None = None  # 2021: itemFormat
    service_type: ServiceType | str | None = None  # 2021
    delivery_costs: tuple[Costs, ...] = ()
    payment_method: str | None = None  # 2021


@_frozen
class ShippingInfo:
    """2021 only."""

    courier_name: str | None = None
    tracking_ids: tuple[str, ...] = ()
    insurance: bool | None = None
    insurance_third_party: bool | None = None
    third_party_name: str | None = None
    insurance_costs: tuple[Costs, ...] = ()


@_frozen
class ReturnInfo:
    return_agency_id: AgencyId | None = None
    name: str | None = None
    physical_address: PhysicalAddress | None = None


@_frozen
class SupplyingAgencyMessage:
    header: Header
    message_info: MessageInfo
    status_info: StatusInfo
    retry_info: RetryInfo | None = None  # 2021
    delivery_info: DeliveryInfo | None = None
    shipping_info: ShippingInfo | None = None  # 2021
    return_info: ReturnInfo | None = None


@_frozen
class RequestingAgencyMessage:
    header: Header
    action: RequesterAction | str
    note: str | None = None


@_frozen
class ConfirmationHeader:
    timestamp: datetime  # the timestamp of the message confirmed
    timestamp_received: datetime
    message_status: MessageStatus | str
    supplying_agency_id: AgencyId | None = None
    requesting_agency_id: AgencyId | None = None
    requesting_agency_request_id: str | None = None
    multiple_item_request_id: str | None = None  # 2017 only


@_frozen
class ErrorData:
    error_type: ErrorType | str
    error_value: str | None = None


@_frozen
class RequestConfirmation:
    confirmation_header: ConfirmationHeader
    error_data: tuple[ErrorData, ...] = ()  # 2017: at most one


@_frozen
class SupplyingAgencyMessageConfirmation:
    confirmation_header: ConfirmationHeader
    reason_for_message: ReasonForMessage | str | None = None
    error_data: tuple[ErrorData, ...] = ()


@_frozen
class RequestingAgencyMessageConfirmation:
    confirmation_header: ConfirmationHeader
    action: RequesterAction | str | None = None
    error_data: tuple[ErrorData, ...] = ()


Confirmation = RequestConfirmation | SupplyingAgencyMessageConfirmation | RequestingAgencyMessageConfirmation
Message = Request | SupplyingAgencyMessage | RequestingAgencyMessage | Confirmation
