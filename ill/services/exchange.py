"""The two sides of a request talk only in ISO 18626 messages, between members as with peers.

A borrower's request reaches a lender as a Request; every change on the lender's side goes back as
a SupplyingAgencyMessage carrying the standard's status (``ISO_STATUS``); the borrower's steps the
lender must know of go out as a RequestingAgencyMessage (``REQUESTER_ISO_ACTION``). Between two
members the message is applied to the other side at once, in the same transaction; to a peer it
is queued and sent over HTTP after commit (``ill.services.peers``). Each message is kept, as the
XML that was or would be sent, in ``IllMessage``.

The ``on_*`` functions are the receiving end, used alike for a member's message and for one that
arrived over HTTP from a peer (``ill.api.iso18626``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from ill.models import IllMessage, IllRequest, LibraryIllSettings, Peer, RotaEntry, Supply
from ill.workflow import (
    ISO_STATUS,
    REQUESTER_ISO_ACTION,
    SUPPLIER_ACTIVE,
    requester_action_for,
    supplier_action_for,
)

log = logging.getLogger(__name__)


@dataclass
class SupplierNews:
    """What a lender's SupplyingAgencyMessage tells the borrower, in our own terms."""

    status: str  # the standard's supplier status
    reason: str = "StatusChange"  # reasonForMessage
    answer_yes: bool | None = None
    note: str = ""
    supplier_request_id: str = ""
    due_on: dt.date | None = None
    loan_condition: str = ""
    reason_unfilled: str = ""
    reason_retry: str = ""
    cost: Decimal | None = None
    item_id: str = ""
    extra: dict = field(default_factory=dict)


def _log(direction: str, kind: str, *, request=None, supply=None, peer=None, status: str = "",
         body: str = "", delivery: str = IllMessage.Delivery.LOCAL) -> IllMessage:
    return IllMessage.objects.create(direction=direction, kind=kind, request=request, supply=supply, peer=peer,
                                     status=status, body=body, delivery=delivery,
                                     version=peer.version if peer else "2017")


def _render(kind: str, **parts) -> str:
    from ill.services import messages

    return messages.render_text(kind, **parts)


# --- borrower -> lender ---------------------------------------------------------------------------

def send_request(request: IllRequest, entry: RotaEntry, *, actor=None) -> Supply | None:
    """Send ``request`` to the lender of ``entry``; a member's supply is created at once."""
    if entry.peer_id:
        body = _render("Request", request=request, peer=entry.peer)
        message = _log(IllMessage.Direction.OUT, "Request", request=request, peer=entry.peer, body=body,
                       delivery=IllMessage.Delivery.PENDING)
        _send_later(message)
        return None
    body = _render("Request", request=request, lender=entry.lender)
    _log(IllMessage.Direction.OUT, "Request", request=request, body=body)
    return receive_request(
        lender=entry.lender, borrower=request.borrower, request=request, entry=entry,
        requester_request_id=request.number, bib=request.bib, service_type=request.service_type,
        needed_by=request.needed_by, note=request.note, pages=request.pages, part_title=request.part_title,
        max_cost=request.max_cost, delivery_address=_delivery_address(request))


def _delivery_address(request: IllRequest) -> str:
    borrower = request.borrower
    parts = [borrower.name, borrower.address, request.pickup_point]
    return "\n".join(p for p in parts if p)


def receive_request(*, lender, requester_request_id: str, bib: dict, service_type: str, borrower=None,
                    request: IllRequest | None = None, entry: RotaEntry | None = None, peer: Peer | None = None,
                    needed_by=None, note: str = "", pages: str = "", part_title: str = "", max_cost=None,
                    delivery_address: str = "", body: str = "") -> Supply:
    """The lender's side of a new request: a ``Supply`` in state new, answered at once if it auto-responds."""
    from ill.services.transitions import audit_supply, next_supply_number

    with transaction.atomic():
        supply = Supply.objects.create(
            number=next_supply_number(), lender=lender, request=request, borrower=borrower, requester_peer=peer,
            requester_request_id=requester_request_id, rota_entry=entry, bib=bib, service_type=service_type,
            needed_by=needed_by, note=note, pages=pages, part_title=part_title, max_cost=max_cost,
            delivery_address=delivery_address, answer_due_at=entry.answer_due_at if entry else None)
        audit_supply(supply, "received", note=requester_request_id)
        if request is not None:
            IllRequest.objects.filter(pk=request.pk).update(supplier_request_id=supply.number,
                                                            supplier_status="RequestReceived")
            request.supplier_request_id, request.supplier_status = supply.number, "RequestReceived"
        if body:
            _log(IllMessage.Direction.IN, "Request", supply=supply, peer=peer, body=body)
        # The standard's answer to a Request is its Confirmation; the RequestReceived status the
        # borrower now holds is what a peer learns from it.
        settings = LibraryIllSettings.for_library(lender)
        if settings.auto_respond:
            from ill.services import lending

            transaction.on_commit(lambda: lending.auto_respond_later(supply.pk))
    from ill.services import notify

    notify.new_supply(supply)
    return supply


def tell_borrower(supply: Supply, *, reason: str = "StatusChange", note: str = "",
                  answer_yes: bool | None = None) -> None:
    """Send the lender's current status to the borrower (after every supplier transition)."""
    news = news_of(supply, reason=reason, note=note, answer_yes=answer_yes)
    if supply.requester_peer_id:
        body = _render("SupplyingAgencyMessage", supply=supply, news=news)
        message = _log(IllMessage.Direction.OUT, "SupplyingAgencyMessage", supply=supply,
                       peer=supply.requester_peer, status=news.status, body=body, delivery=IllMessage.Delivery.PENDING)
        _send_later(message)
        return
    if supply.request_id is None:
        return
    body = _render("SupplyingAgencyMessage", supply=supply, news=news)
    _log(IllMessage.Direction.OUT, "SupplyingAgencyMessage", supply=supply, request=supply.request,
         status=news.status, body=body)
    request = IllRequest.objects.get(pk=supply.request_id)
    on_supplier_news(request, news, supply=supply)


def news_of(supply: Supply, *, reason: str = "StatusChange", note: str = "", answer_yes: bool | None = None
            ) -> SupplierNews:
    return SupplierNews(
        status=ISO_STATUS[supply.status], reason=reason, answer_yes=answer_yes, note=note or supply.answer_note,
        supplier_request_id=supply.number, due_on=supply.due_on,
        loan_condition=supply.loan_condition if supply.status == Supply.Status.CONDITION_PENDING else "",
        reason_unfilled=supply.reason_unfilled if supply.status == Supply.Status.UNFILLED else "",
        reason_retry=supply.reason_retry if supply.status == Supply.Status.RETRY_POSSIBLE else "",
        cost=supply.cost, item_id=supply.item_barcode)


def on_supplier_news(request: IllRequest, news: SupplierNews, *, supply: Supply | None = None,
                     actor="ISO 18626") -> IllRequest:
    """The borrower's side of a lender's message: record what it says, move the request on."""
    from ill.services import notify, rota
    from ill.services.transitions import advance_request, audit_request

    with transaction.atomic():
        request = IllRequest.objects.select_for_update().get(pk=request.pk)
        values = {"supplier_status": news.status}
        if news.supplier_request_id:
            values["supplier_request_id"] = news.supplier_request_id
        if news.due_on:
            values["lender_due_on"] = news.due_on
        if news.cost is not None:
            values["cost"] = news.cost
        if news.status == "Recalled":
            values["recalled"] = True
        if news.reason == "RenewResponse":
            values["renewal_pending"] = False
        action = requester_action_for(request.status, news.status, loan_condition=news.loan_condition,
                                      answer_yes=news.answer_yes, reason=news.reason)
        if action == "lender_condition":
            values.update(loan_condition=news.loan_condition, condition_note=news.note)
        if action is None:
            IllRequest.objects.filter(pk=request.pk).update(**values)
            for name, value in values.items():
                setattr(request, name, value)
            audit_request(request, f"lender_{news.status}", actor=actor, note=news.note)
            notify.request_news(request, news)
            return request
        why = news.reason_unfilled or news.reason_retry or news.note
        advance_request(request, action, actor=actor, note=why, values=values, tell_lender=False)
        if action in ("lender_unfilled",):
            rota.record_answer(request, supply=supply, outcome=RotaEntry.Outcome.UNFILLED,
                               code=news.reason_unfilled or news.reason_retry or news.status, note=news.note)
            rota.move_on(request)
        elif action in ("lender_will_supply", "lender_shipped", "copy_delivered", "lender_expects",
                        "lender_condition"):
            rota.record_answer(request, supply=supply, outcome=RotaEntry.Outcome.SUPPLYING, code=news.status)
        notify.request_news(request, news)
    return request


# --- lender -> borrower: the borrower's actions ------------------------------------------------------

def after_requester_transition(request: IllRequest, action: str, *, note: str = "", actor=None) -> None:
    """Tell the lender of a borrower's step the standard has an action for."""
    iso_action = REQUESTER_ISO_ACTION.get(action)
    if iso_action is None:
        return
    if action == "accept_condition":
        from ill.workflow import CONDITION_ACCEPTED

        note = f"{CONDITION_ACCEPTED} {note}".strip()
    tell_lender(request, iso_action, note=note)


def active_supply(request: IllRequest) -> Supply | None:
    return (Supply.objects.filter(request=request, status__in=SUPPLIER_ACTIVE).order_by("-pk").first())


def tell_lender(request: IllRequest, iso_action: str, *, note: str = "") -> None:
    """Send a RequestingAgencyMessage to the request's current lender."""
    if request.lender_peer_id:
        body = _render("RequestingAgencyMessage", request=request, action=iso_action, note=note,
                       peer=request.lender_peer)
        message = _log(IllMessage.Direction.OUT, "RequestingAgencyMessage", request=request,
                       peer=request.lender_peer, status=iso_action, body=body, delivery=IllMessage.Delivery.PENDING)
        _send_later(message)
        return
    supply = active_supply(request)
    if supply is None:
        return
    body = _render("RequestingAgencyMessage", request=request, action=iso_action, note=note)
    _log(IllMessage.Direction.OUT, "RequestingAgencyMessage", request=request, supply=supply, status=iso_action,
         body=body)
    on_requester_action(supply, iso_action, note=note)


def on_requester_action(supply: Supply, iso_action: str, *, note: str = "", actor="ISO 18626") -> Supply:
    """The lender's side of a borrower's action: Cancel, ShippedReturn, Received, Renew, Notification."""
    from ill.services import notify
    from ill.services.transitions import advance_supply, audit_supply

    with transaction.atomic():
        supply = Supply.objects.select_for_update().get(pk=supply.pk)
        if iso_action == "Renew":
            from ill.services import lending

            lending.answer_renewal(supply, actor=actor)
            return supply
        if iso_action == "StatusRequest":
            tell_borrower(supply, reason="StatusRequestResponse")
            return supply
        action = supplier_action_for(supply.status, iso_action, note=note)
        if action == "cancel":
            advance_supply(supply, "cancel", actor=actor, note=note, reason="CancelResponse", answer_yes=True)
        elif iso_action == "Cancel":
            # Already shipped (or finished): the answer is no, with the status as it is.
            audit_supply(supply, "cancel_refused", actor=actor, note=note)
            tell_borrower(supply, reason="CancelResponse", answer_yes=False)
        elif action is not None:
            advance_supply(supply, action, actor=actor, note=note, tell_borrower=False)
        else:
            audit_supply(supply, f"borrower_{iso_action}", actor=actor, note=note)
        notify.supply_news(supply, iso_action, note)
    return supply


# --- peers ---------------------------------------------------------------------------------------

def _send_later(message: IllMessage) -> None:
    from ill import tasks

    pk = message.pk
    transaction.on_commit(lambda: tasks.send_message.delay(pk))
