"""Messages of every type, as full as each ISO 18626 version can carry them exactly.

``parse(render(m, v)) == m`` must hold for each of them, so a 2017 message holds at most one of
the things only 2021 lets repeat, and nothing only 2021 has.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
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

WHEN = datetime(2025, 3, 4, 9, 30, 15, 250000, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))
LENDER = AgencyId(type="ISIL", value="CN-310000-LIB-A")
BORROWER = AgencyId(type="ISIL", value="CN-310000-LIB-B")
CONSORTIUM = AgencyId(type="ISIL", value="CN-310000-UC")
SCHOOL = PhysicalAddress(line1="学府路 1 号", line2="图书馆", locality="上海", postal_code="200000",
                         region="SH", country="CN")


def _many(version: str, *items):
    return tuple(items) if version == "2021" else tuple(items[:1])


def header(version: str, message: str) -> Header:
    new = version == "2021"
    return Header(
        supplying_agency_id=LENDER,
        requesting_agency_id=BORROWER,
        multiple_item_request_id=None if new and message != "request" else "MULTI-7",
        timestamp=WHEN,
        requesting_agency_request_id="ILL-2025-000123",
        supplying_agency_request_id=None if new and message == "request" else "LEND-88",
        requesting_agency_authentication=(
            None if new and message == "supplying" else Authentication(account_id="lib-b", security_code="s3cret")
        ),
        consortial_id=CONSORTIUM if new and message != "supplying" else None,
    )


def request(version: str) -> Request:
    new = version == "2021"
    return Request(
        header=header(version, "request"),
        bibliographic_info=BibliographicInfo(
            supplier_unique_record_id="UR-000042",
            title="红楼梦",
            author="曹雪芹",
            author_id="0000000121479848" if new else None,
            subtitle="校注本",
            series_title="中国古典文学读本丛书",
            edition="第3版",
            title_of_component="第一回",
            author_of_component="曹雪芹",
            volumes=_many(version, "上册", "下册"),
            issue="1",
            pages_requested="1-20",
            estimated_no_pages="20",
            bibliographic_item_ids=(
                BibliographicItemId(code="ISBN", value="9787020002207"),
                BibliographicItemId(code="ISSN", value="0578-1949"),
            ),
            sponsor="上海市教委",
            information_source="union catalogue",
            bibliographic_record_ids=(BibliographicRecordId(code="UNIONCAT", value="u-42"),),
        ),
        publication_info=PublicationInfo(
            publisher="人民文学出版社",
            publisher_id="0000000403750476" if new else None,
            publication_type="Book",
            publication_date="1982",
            place_of_publication="北京",
        ),
        service_info=ServiceInfo(
            request_type=RequestType.NEW,
            request_sub_types=(RequestSubType.PATRON_REQUEST,),
            requesting_agency_previous_request_id="ILL-2025-000100",
            service_type=ServiceType.COPY_OR_LOAN,
            service_level="Normal",
            preferred_format="Printed",
            need_before_date=datetime(2025, 4, 1, 0, 0, tzinfo=BEIJING),
            copyright_compliance="CN-Copyright-Law-Art-24",
            any_edition=False,
            preferred_edition=PreferredEdition.THIS_EDITION if new else None,
            loan_conditions=("LibraryUseOnly",) if new else (),
            start_date=datetime(2025, 3, 10, 8, 0),
            end_date=datetime(2025, 3, 31, 17, 0),
            note="请尽快",
        ),
        supplier_info=(
            SupplierInfo(sort_order=1, supplier_code=LENDER, supplier_description="区中心图书馆",
                         bibliographic_record_id=BibliographicRecordId(code="LOCAL", value="b-17"),
                         call_number="I242.47/C2", summary_holdings="2 copies", availability_note="on shelf"),
            SupplierInfo(sort_order=2, supplier_code=AgencyId(type="ISIL", value="CN-310000-LIB-C")),
        ),
        requested_delivery_info=(
            RequestedDeliveryInfo(sort_order=1, address=ElectronicAddress(type="Email", data="ill@lib-b.example"),
                                  delivery_method="Email" if new else None),
            RequestedDeliveryInfo(sort_order=2, address=SCHOOL,
                                  delivery_method="Courier" if new else None,
                                  courier_name="SF Express" if new else None),
        ),
        requesting_agency_info=RequestingAgencyInfo(name="第二中学图书馆", contact_name="王老师",
                                                    addresses=(SCHOOL, ElectronicAddress(type="Email", data="wang@lib-b.example"))),
        patron_info=PatronInfo(patron_id="reader-lib-b-17", patron_type="Student", send_to_patron=False),
        billing_info=BillingInfo(payment_method="BankTransfer", maximum_costs=Costs(amount=Decimal("25.50")),
                                 billing_method="Invoice", billing_name="第二中学", address=SCHOOL),
    )


def supplying_agency_message(version: str) -> SupplyingAgencyMessage:
    new = version == "2021"
    return SupplyingAgencyMessage(
        header=header(version, "supplying"),
        message_info=MessageInfo(
            reason_for_message=ReasonForMessage.STATUS_CHANGE,
            answer_yes_no=True,
            note="已寄出",
            reason_unfilled="NotOnShelf",
            reason_retry="CostExceedsMaxCost",
            offered_costs=_many(version, Costs(amount=Decimal("30.00")), Costs(amount=Decimal("4.5"), currency="USD")),
            retry_after=datetime(2025, 3, 5, tzinfo=UTC),
            retry_before=datetime(2025, 3, 20, tzinfo=UTC),
        ),
        status_info=StatusInfo(status=SupplierStatus.LOANED, expected_delivery_date=datetime(2025, 3, 6, tzinfo=UTC),
                               due_date=datetime(2025, 4, 6, 23, 59, 59, tzinfo=BEIJING), last_change=WHEN),
        retry_info=RetryInfo(loan_conditions=("LibraryUseOnly",), editions=("第2版",), item_formats=("PDF",),
                             volumes=("上册",), service_type=ServiceType.LOAN, service_levels=("Normal",),
                             delivery_methods=("Courier",), courier_names=("SF Express",),
                             payment_methods=("BankTransfer",)) if new else None,
        delivery_info=DeliveryInfo(
            date_sent=WHEN,
            item_ids=_many(version, "31000000012345", "31000000012346"),
            url="https://lib-a.example/scan/42.pdf" if new else None,
            sent_via="Mail",
            address=SCHOOL if new else None,
            sent_to_patron=False,
            loan_conditions=_many(version, "LibraryUseOnly", "NoReproduction"),
            delivered_format="Printed",
            service_type=ServiceType.LOAN if new else None,
            delivery_costs=_many(version, Costs(amount=Decimal("12")), Costs(amount=Decimal("3.20"))),
            payment_method="BankTransfer" if new else None,
        ),
        shipping_info=ShippingInfo(courier_name="SF Express", tracking_ids=("SF1234567890", "SF1234567891"),
                                   insurance=True, insurance_third_party=False, third_party_name="PICC",
                                   insurance_costs=(Costs(amount=Decimal("5")),)) if new else None,
        return_info=ReturnInfo(return_agency_id=LENDER, name="区中心图书馆", physical_address=SCHOOL),
    )


def requesting_agency_message(version: str) -> RequestingAgencyMessage:
    action = RequesterAction.LOST if version == "2021" else RequesterAction.SHIPPED_RETURN
    return RequestingAgencyMessage(header=header(version, "requesting"), action=action, note="已还")


def confirmation_header(version: str, status: MessageStatus = MessageStatus.OK) -> ConfirmationHeader:
    return ConfirmationHeader(
        supplying_agency_id=LENDER,
        requesting_agency_id=BORROWER,
        timestamp=WHEN,
        requesting_agency_request_id="ILL-2025-000123",
        multiple_item_request_id="MULTI-7" if version == "2017" else None,
        timestamp_received=WHEN + timedelta(seconds=1),
        message_status=status,
    )


def _errors(version: str) -> tuple[ErrorData, ...]:
    return _many(version, ErrorData(error_type=ErrorType.UNRECOGNISED_DATA_VALUE, error_value="status: WeCouldLoan"),
                 ErrorData(error_type=ErrorType.BADLY_FORMED_MESSAGE))


def request_confirmation(version: str) -> RequestConfirmation:
    return RequestConfirmation(confirmation_header=confirmation_header(version))


def supplying_agency_message_confirmation(version: str) -> SupplyingAgencyMessageConfirmation:
    return SupplyingAgencyMessageConfirmation(confirmation_header=confirmation_header(version, MessageStatus.ERROR),
                                              reason_for_message=ReasonForMessage.RENEW_RESPONSE,
                                              error_data=_errors(version))


def requesting_agency_message_confirmation(version: str) -> RequestingAgencyMessageConfirmation:
    return RequestingAgencyMessageConfirmation(confirmation_header=confirmation_header(version, MessageStatus.ERROR),
                                               action=RequesterAction.RENEW, error_data=_errors(version))


ALL = {
    "request": request,
    "supplying_agency_message": supplying_agency_message,
    "requesting_agency_message": requesting_agency_message,
    "request_confirmation": request_confirmation,
    "supplying_agency_message_confirmation": supplying_agency_message_confirmation,
    "requesting_agency_message_confirmation": requesting_agency_message_confirmation,
}
