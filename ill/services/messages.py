"""Our requests and supplies as ISO 18626 messages (``ill.iso18626``), and back.

``render_text(kind, **parts)`` gives the XML of one message we send (kept in ``IllMessage`` and, to
a peer, posted); the parts are the models the message is built from:
- ``Request``: ``request`` and ``lender`` (a member) or ``peer``;
- ``SupplyingAgencyMessage``: ``supply`` and ``news`` (``exchange.SupplierNews``);
- ``RequestingAgencyMessage``: ``request``, ``action``, ``note`` and optionally ``peer``.

A message to a peer is written in the peer's schema version; between members in 2017 (v1.2), our
own. A request never carries the reader: no ``patronInfo`` at all, the lender sees the borrowing
library and the request number.

The ``*_from_message`` functions turn a parsed message from a peer into our own terms (the
arguments of ``exchange.receive_request``, an ``exchange.SupplierNews``); they raise
``InboundError`` with the standard's error type when a value does not fit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone

from ill.iso18626 import render
from ill.iso18626.codes import ErrorType, RequestType
from ill.iso18626.messages import (
    AgencyId,
    BibliographicInfo,
    BibliographicItemId,
    BillingInfo,
    Costs,
    DeliveryInfo,
    Header,
    MessageInfo,
    PhysicalAddress,
    PublicationInfo,
    Request,
    RequestedDeliveryInfo,
    RequestingAgencyInfo,
    RequestingAgencyMessage,
    ServiceInfo,
    StatusInfo,
    SupplyingAgencyMessage,
)

CURRENCY = "CNY"
OUR_VERSION = "2017"


class InboundError(Exception):
    """A peer's message we understand but cannot take, with the ISO 18626 error type to answer."""

    def __init__(self, error_type: ErrorType, error_value: str):
        super().__init__(f"{error_type}: {error_value}")
        self.error_type = ErrorType(error_type)
        self.error_value = error_value


# --- Agency ids ----------------------------------------------------------------------------------

def member_agency(library) -> AgencyId:
    return AgencyId(type=settings.ILL_AGENCY_ID_TYPE, value=library.agency_id or "")


def peer_agency(peer) -> AgencyId:
    return AgencyId(type=peer.agency_id_type, value=peer.agency_id)


def version_for(peer=None) -> str:
    return peer.version if peer is not None else OUR_VERSION


# --- Rendering -----------------------------------------------------------------------------------

def render_text(kind: str, **parts) -> str:
    """The XML text of the message ``kind`` built from ``parts`` (see the module docstring)."""
    builders = {"Request": request_message, "SupplyingAgencyMessage": supplying_agency_message,
                "RequestingAgencyMessage": requesting_agency_message}
    if kind not in builders:
        raise ValueError(f"no ISO 18626 message of kind {kind!r}")
    message, version = builders[kind](**parts)
    return render(message, version).decode("utf-8")


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _first(values) -> str | None:
    if isinstance(values, list | tuple):
        return next((_text(v) for v in values if _text(v)), None)
    return _text(values)


def _midnight(day: dt.date | str | None) -> dt.datetime | None:
    """A date as the dateTime the standard wants: the start of that day in our time zone."""
    if not day:
        return None
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    if isinstance(day, dt.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _costs(amount) -> tuple[Costs, ...]:
    return (Costs(amount=Decimal(amount), currency=CURRENCY),) if amount is not None else ()


def _bibliographic_info(request) -> BibliographicInfo:
    bib = request.bib or {}
    isbns = bib.get("isbns") or ([bib["isbn"]] if bib.get("isbn") else [])
    return BibliographicInfo(
        supplier_unique_record_id=_text(bib.get("urid")) or (request.union_record.urid if request.union_record_id
                                                             else None),
        title=_text(bib.get("title")),
        author=_first(bib.get("authors") or bib.get("author")),
        edition=_text(bib.get("edition")),
        title_of_component=_text(request.part_title),
        pages_requested=_text(request.pages),
        bibliographic_item_ids=tuple(BibliographicItemId(code="ISBN", value=str(isbn)) for isbn in isbns if isbn),
    )


def request_message(*, request, lender=None, peer=None) -> tuple[Request, str]:
    borrower = request.borrower
    header = Header(
        requesting_agency_id=member_agency(borrower),
        supplying_agency_id=peer_agency(peer) if peer is not None else member_agency(lender),
        requesting_agency_request_id=request.number,
        timestamp=timezone.now(),
    )
    bib = request.bib or {}
    publication = PublicationInfo(publisher=_text(bib.get("publisher")), publication_date=_text(bib.get("year")))
    address = PhysicalAddress(line1=_text(borrower.address), line2=_text(request.pickup_point))
    message = Request(
        header=header,
        bibliographic_info=_bibliographic_info(request),
        publication_info=publication if publication != PublicationInfo() else None,
        service_info=ServiceInfo(
            request_type=RequestType.NEW, service_type=request.service_type,
            need_before_date=_midnight(request.needed_by), note=_text(request.note)),
        requested_delivery_info=(RequestedDeliveryInfo(sort_order=1, address=address),)
        if address != PhysicalAddress() else (),
        requesting_agency_info=RequestingAgencyInfo(name=_text(borrower.name)),
        billing_info=BillingInfo(maximum_costs=_costs(request.max_cost)[0]) if request.max_cost is not None else None,
    )
    return message, version_for(peer)


def supplying_agency_message(*, supply, news) -> tuple[SupplyingAgencyMessage, str]:
    peer = supply.requester_peer if supply.requester_peer_id else None
    header = Header(
        supplying_agency_id=member_agency(supply.lender),
        requesting_agency_id=peer_agency(peer) if peer is not None else member_agency(supply.borrower),
        requesting_agency_request_id=supply.requester_request_id,
        supplying_agency_request_id=supply.number,
        timestamp=timezone.now(),
    )
    offered = _costs(news.cost) if news.status == "RetryPossible" else ()
    delivery = None
    if news.status in ("Loaned", "CopyCompleted") or news.loan_condition:
        delivery = DeliveryInfo(
            date_sent=supply.status_changed_at or timezone.now(),
            item_ids=(news.item_id,) if news.item_id else (),
            loan_conditions=(news.loan_condition,) if news.loan_condition else (),
            delivery_costs=_costs(news.cost) if news.status in ("Loaned", "CopyCompleted") else (),
        )
    message = SupplyingAgencyMessage(
        header=header,
        message_info=MessageInfo(
            reason_for_message=news.reason, answer_yes_no=news.answer_yes, note=_text(news.note),
            reason_unfilled=_text(news.reason_unfilled), reason_retry=_text(news.reason_retry),
            offered_costs=offered),
        status_info=StatusInfo(status=news.status, due_date=_midnight(news.due_on),
                               last_change=supply.status_changed_at or timezone.now()),
        delivery_info=delivery,
    )
    return message, version_for(peer)


def requesting_agency_message(*, request, action: str, note: str = "", peer=None
                              ) -> tuple[RequestingAgencyMessage, str]:
    from ill.services.exchange import active_supply

    peer = peer or (request.lender_peer if request.lender_peer_id else None)
    supplier_request_id = _text(request.supplier_request_id)
    if peer is not None:
        supplying = peer_agency(peer)
    else:
        supply = active_supply(request)
        lender = request.lender or (supply.lender if supply else None)
        supplying = member_agency(lender) if lender else AgencyId(type=settings.ILL_AGENCY_ID_TYPE, value="")
    header = Header(
        supplying_agency_id=supplying,
        requesting_agency_id=member_agency(request.borrower),
        requesting_agency_request_id=request.number,
        supplying_agency_request_id=supplier_request_id,
        timestamp=timezone.now(),
    )
    return RequestingAgencyMessage(header=header, action=action, note=_text(note)), version_for(peer)


# --- From a peer's message to our terms -------------------------------------------------------------

def _fits(value: str | None, limit: int, where: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InboundError(ErrorType.UNRECOGNISED_DATA_VALUE, f"{where}: longer than {limit} characters")
    return value


def _cny(costs: Costs | None, where: str) -> Decimal | None:
    if costs is None:
        return None
    if costs.currency.strip().upper() != CURRENCY:
        raise InboundError(ErrorType.UNRECOGNISED_DATA_VALUE, f"{where}: only {CURRENCY} is accepted")
    try:
        amount = Decimal(costs.amount).quantize(Decimal("0.01"))
    except InvalidOperation:
        amount = None
    if amount is None or amount < 0 or amount >= Decimal("1000000"):
        raise InboundError(ErrorType.UNRECOGNISED_DATA_VALUE, f"{where}: amount out of range")
    return amount


def _address_text(address) -> str:
    if address is None:
        return ""
    if isinstance(address, PhysicalAddress):
        parts = [address.line1, address.line2, address.locality, address.postal_code, address.region,
                 address.country]
        return "\n".join(p.strip() for p in parts if p and p.strip())
    return f"{address.type}: {address.data}".strip()


def request_from_message(message: Request) -> dict:
    """The keyword arguments of ``exchange.receive_request`` for a peer's Request (without the
    lender, the peer and the body)."""
    bib_info = message.bibliographic_info
    publication = message.publication_info or PublicationInfo()
    service = message.service_info
    service_type = str(service.service_type) if service is not None else "Loan"
    if service is not None and service.request_type not in (None, RequestType.NEW, "New"):
        raise InboundError(ErrorType.UNRECOGNISED_DATA_VALUE,
                           f"requestType {service.request_type}: only New requests are taken")
    isbns = [i.value.strip() for i in bib_info.bibliographic_item_ids
             if i.code.strip().upper() == "ISBN" and i.value.strip()]
    bib = {
        "title": _fits(bib_info.title, 2000, "title"), "authors": [_fits(bib_info.author, 500, "author")]
        if bib_info.author and bib_info.author.strip() else [],
        "isbns": isbns[:10], "publisher": _fits(publication.publisher, 300, "publisher"),
        "year": _fits(publication.publication_date, 40, "publicationDate"),
        "edition": _fits(bib_info.edition, 300, "edition"),
    }
    if bib_info.supplier_unique_record_id:
        bib["urid"] = _fits(bib_info.supplier_unique_record_id, 60, "supplierUniqueRecordId")
    lines = []
    if message.requesting_agency_info is not None and message.requesting_agency_info.name:
        lines.append(message.requesting_agency_info.name.strip())
    for delivery in message.requested_delivery_info[:1]:
        lines.append(_address_text(delivery.address))
    needed = service.need_before_date if service is not None else None
    return {
        "requester_request_id": _fits(message.header.requesting_agency_request_id, 60, "requestingAgencyRequestId")
        or _missing("requestingAgencyRequestId"),
        "bib": bib,
        "service_type": service_type,
        "needed_by": needed.date() if needed else None,
        "note": _fits(service.note if service else "", 4000, "note"),
        "pages": _fits(bib_info.pages_requested, 100, "pagesRequested"),
        "part_title": _fits(bib_info.title_of_component, 300, "titleOfComponent"),
        "max_cost": _cny(message.billing_info.maximum_costs if message.billing_info else None, "maximumCosts"),
        "delivery_address": _fits("\n".join(line for line in lines if line), 2000, "requestedDeliveryInfo"),
    }


def _missing(where: str):
    raise InboundError(ErrorType.UNRECOGNISED_DATA_VALUE, f"{where}: empty")


def news_from_message(message: SupplyingAgencyMessage):
    """A peer's SupplyingAgencyMessage as ``exchange.SupplierNews``."""
    from ill.services.exchange import SupplierNews

    info, status = message.message_info, message.status_info
    delivery = message.delivery_info
    cost = None
    if delivery is not None and delivery.delivery_costs:
        cost = _cny(delivery.delivery_costs[0], "deliveryCosts")
    elif info.offered_costs:
        cost = _cny(info.offered_costs[0], "offeredCosts")
    due = status.due_date
    return SupplierNews(
        status=str(status.status), reason=str(info.reason_for_message), answer_yes=info.answer_yes_no,
        note=_fits(info.note, 4000, "note"),
        supplier_request_id=_fits(message.header.supplying_agency_request_id, 60, "supplyingAgencyRequestId"),
        due_on=due.date() if due else None,
        loan_condition=_fits(delivery.loan_conditions[0] if delivery and delivery.loan_conditions else "", 60,
                             "loanCondition"),
        reason_unfilled=_fits(info.reason_unfilled, 60, "reasonUnfilled"),
        reason_retry=_fits(info.reason_retry, 60, "reasonRetry"),
        cost=cost,
        item_id=_fits(delivery.item_ids[0] if delivery and delivery.item_ids else "", 60, "itemId"),
    )
