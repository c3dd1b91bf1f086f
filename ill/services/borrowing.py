"""The borrower's side: receiving the lender's copy, lending it to the reader, sending it back.

A copy that arrives becomes a temporary item in the borrowing library's own catalogue: an
instance of material type ``ill``, suppressed from discovery (the union catalogue treats it as
withdrawn, so it is never clustered, counted or offered to others), with one holdings record on
the "ILL" shelf and one item barcoded ``ILL<request number>``. The desk lends it to the reader
through circulation under the library's loan rule for ILL items (``rule_for(kind, "ill")``), cut
to the lender's due date less the policy's return margin. When the copy goes back to the lender
the temporary item is withdrawn and its instance marked deleted; the reader's loan history keeps
pointing at it.

The ordinary desk can check the temporary barcode in: the loan closes and the item waits on the
ILL shelf; ``reader_returned`` then finds the loan closed and only moves the item on.

The request's status changes only through ``advance_request``, which tells the lender.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.exceptions import Conflict
from ill.exceptions import RequestRefused
from ill.models import IllPolicy, IllRequest, RotaEntry
from ill.services.transitions import advance_request, audit_request
from ill.workflow import REQUESTER

ILL_LOCATION = "ILL"


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _locked(request: IllRequest) -> IllRequest:
    return IllRequest.objects.select_for_update(of=("self",)).select_related("borrower").get(pk=request.pk)


def _refuse_unless(request: IllRequest, action: str) -> None:
    refusal = REQUESTER.refusal(action, request.status, request)
    if refusal:
        raise Conflict(refusal[0], code=refusal[1])


def _refused(exc) -> RequestRefused:
    return RequestRefused(exc.message, code=exc.code)


# --- The temporary item -----------------------------------------------------------------------

def _marc(request: IllRequest, title: str) -> bytes:
    import pymarc

    record = pymarc.Record(force_utf8=True, leader="     nam a22     7a 4500")
    record.add_field(pymarc.Field(tag="001", data=request.number))
    record.add_field(pymarc.Field(tag="245", indicators=["0", "0"], subfields=[pymarc.Subfield("a", title)]))
    return record.as_marc()


def _temp_barcode(request: IllRequest) -> str:
    from tenants.catalogue.models import Item

    barcode, n = f"ILL{request.number}", 1
    while Item.objects.filter(barcode=barcode).exists():
        n += 1
        barcode = f"ILL{request.number}-{n}"
    return barcode[:60]


def create_temporary_item(request: IllRequest, *, actor=None):
    """A suppressed instance, holdings and item for the copy that arrived (in the borrower's schema).

    The item is made "in transit" and held for pickup through the item status table, so its
    history starts like any copy's.
    """
    from tenants.catalogue.models import HoldingsRecord, Instance, Item, ItemStatus, MaterialType
    from tenants.catalogue.services.hrid import next_hrids
    from tenants.catalogue.services.items import apply_item_action

    bib = request.bib or {}
    title = (bib.get("title") or request.number)[:1000]
    author = bib.get("author") or ""
    fields = {
        "record_format": "marc21", "title": title, "material_type": MaterialType.ILL,
        "authors": [{"name": author, "role": "", "type": "personal"}] if author else [],
        "publisher": (bib.get("publisher") or "")[:300],
        "control_numbers": [{"type": "ill", "value": request.number}],
        "discovery_suppress": True, "source_encoding": "utf-8",
    }
    fields["fingerprint"] = hashlib.sha256(f"ill:{request.number}".encode()).hexdigest()
    instance = Instance.objects.create(hrid=next_hrids("instance", 1)[0], raw_record=_marc(request, title), **fields)
    holdings = HoldingsRecord.objects.create(hrid=next_hrids("holdings", 1)[0], instance=instance,
                                             location=ILL_LOCATION, call_number=request.number,
                                             discovery_suppress=True)
    item = Item.objects.create(hrid=next_hrids("item", 1)[0], holdings=holdings, barcode=_temp_barcode(request),
                               status=ItemStatus.IN_TRANSIT, discovery_suppress=True)
    apply_item_action(item, "hold_for_pickup", expected=ItemStatus.IN_TRANSIT, actor=actor, note=request.number)
    return item


def _temporary_item(request: IllRequest):
    from tenants.catalogue.models import Item

    if not request.temp_item_id:
        return None
    return Item.objects.select_related("holdings__instance").filter(pk=request.temp_item_id).first()


def withdraw_temporary_item(request: IllRequest, *, actor=None) -> None:
    """Take the temporary item out of the borrower's catalogue (in its schema); done once."""
    from tenants.catalogue.models import Instance, ItemStatus
    from tenants.catalogue.services.changes import record_change
    from tenants.catalogue.services.items import apply_item_action
    from tenants.catalogue.workflow import ITEM_STATUS

    item = _temporary_item(request)
    if item is None or item.status == ItemStatus.WITHDRAWN:
        return
    if ITEM_STATUS.check("withdraw", item.status, item) is not None:
        if ITEM_STATUS.check("check_in", item.status, item) is None:
            apply_item_action(item, "check_in", expected=item.status, actor=actor, note=request.number)
        else:
            return
    apply_item_action(item, "withdraw", expected=item.status, actor=actor, note=request.number)
    Instance.objects.filter(pk=item.holdings.instance_id).update(deleted=True, updated_at=timezone.now())
    record_change(item.holdings.instance_id, "upsert")


# --- Steps ------------------------------------------------------------------------------------

def receive(request: IllRequest, *, actor=None) -> IllRequest:
    """The lender's copy arrived: a temporary item held for the reader; the lender hears Received."""
    from ill.services import notify

    with transaction.atomic():
        request = _locked(request)
        _refuse_unless(request, "receive")
        with tenant_context(request.borrower):
            item = create_temporary_item(request, actor=actor)
        advance_request(request, "receive", actor=actor,
                        values={"temp_item_id": item.pk, "temp_barcode": item.barcode})
    notify.request_changed(request, "ready_for_pickup")
    return request


def reader_due_date(request: IllRequest, rule, today: dt.date, calendar, policy: IllPolicy | None = None
                    ) -> dt.date:
    """The reader's due date: the ILL rule's period, but never later than the lender's due date less
    the return margin, on an open day of the borrower (and not before today)."""
    due_on = calendar.due_date(today, rule.loan_days)
    if request.lender_due_on:
        policy = policy or IllPolicy.current()
        latest = calendar.previous_open_day(request.lender_due_on - dt.timedelta(days=policy.return_margin_days))
        due_on = min(due_on, latest)
    return max(due_on, today)


def lend_to_reader(request: IllRequest, *, actor=None, today: dt.date | None = None) -> IllRequest:
    """Lend the temporary item to the request's reader at the borrowing library's desk."""
    from circulation.exceptions import NotFound, Refused
    from circulation.models import CirculationPolicy, DeskEvent, Reader
    from circulation.services.calendar import SchoolCalendar
    from circulation.services.desk import check_reader_may_borrow, lend, log_event
    from circulation.services.rules import rule_for
    from tenants.catalogue.models import MaterialType

    today = _today(today)
    with transaction.atomic():
        request = _locked(request)
        _refuse_unless(request, "lend_to_reader")
        with tenant_context(request.borrower):
            reader = Reader.objects.select_for_update().filter(pk=request.reader_id).first() if request.reader_id else None
            if reader is None:
                raise RequestRefused(_("This request has no reader to lend to."), code="no_reader")
            item = _temporary_item(request)
            if item is None:
                raise RequestRefused(_("The item of this request has not been received."), code="not_received")
            rule = rule_for(reader.kind, MaterialType.ILL)
            try:
                check_reader_may_borrow(reader, rule, item, today, CirculationPolicy.current())
                due_on = reader_due_date(request, rule, today, SchoolCalendar())
                loan = lend(item, reader=reader, due_on=due_on, rule={**rule.as_dict(), "ill_request": request.number},
                            actor=actor, note=request.number)
            except (Refused, NotFound) as exc:
                raise _refused(exc) from exc
            log_event(DeskEvent.Action.CHECK_OUT, ok=True, actor=actor, code="ok", barcode=item.barcode,
                      card=reader.card_number, loan=loan,
                      message=_("Lent the ILL item %(barcode)s, due %(due)s.") % {
                          "barcode": item.barcode, "due": due_on.isoformat()})
        advance_request(request, "lend_to_reader", actor=actor, values={"reader_loan_id": loan.pk})
    return request


def reader_returned(request: IllRequest, *, actor=None) -> IllRequest:
    """The reader brought the copy back: their loan closes and the item waits to be shipped back.

    If the desk checked it in already (loan closed, item on the shelf) only the item moves on.
    """
    from circulation.models import Loan
    from circulation.services.desk import close_loan
    from tenants.catalogue.models import ItemStatus
    from tenants.catalogue.services.items import apply_item_action

    with transaction.atomic():
        request = _locked(request)
        _refuse_unless(request, "reader_returned")
        with tenant_context(request.borrower):
            loan = (Loan.objects.select_for_update().filter(pk=request.reader_loan_id).first()
                    if request.reader_loan_id else None)
            if loan is not None and loan.status == Loan.Status.OPEN:
                close_loan(loan, actor=actor, item_action="send", note=request.number)
            else:
                item = _temporary_item(request)
                if item is not None and item.status == ItemStatus.AVAILABLE:
                    apply_item_action(item, "send", expected=item.status, actor=actor, note=request.number)
        advance_request(request, "reader_returned", actor=actor)
    return request


def ship_return(request: IllRequest, *, actor=None) -> IllRequest:
    """The copy goes back to the lender (ShippedReturn); the temporary item leaves the catalogue."""
    with transaction.atomic():
        request = _locked(request)
        _refuse_unless(request, "ship_return")
        with tenant_context(request.borrower):
            withdraw_temporary_item(request, actor=actor)
        advance_request(request, "ship_return", actor=actor)
    return request


def ask_renewal(request: IllRequest, *, actor=None, today: dt.date | None = None) -> IllRequest:
    """Ask the lender for more time (Renew). A member lender answers at once; when it says yes the
    reader's open loan moves to the new date less the return margin."""
    from ill.services.exchange import tell_lender

    if request.status not in (IllRequest.Status.SHIPPED, IllRequest.Status.RECEIVED,
                              IllRequest.Status.WITH_READER):
        raise RequestRefused(_("Only a copy that is here can be renewed."), code="not_on_loan")
    with transaction.atomic():
        request = _locked(request)
        if request.renewal_pending:
            raise RequestRefused(_("A renewal has already been asked for."), code="renewal_pending")
        if request.recalled:
            raise RequestRefused(_("The lender has recalled this copy."), code="recalled")
        updated = IllRequest.objects.filter(pk=request.pk, renewal_pending=False).update(renewal_pending=True)
        if not updated:
            raise RequestRefused(_("A renewal has already been asked for."), code="renewal_pending")
        request.renewal_pending = True
        audit_request(request, "ask_renewal", actor=actor)
        was_due = request.lender_due_on
        tell_lender(request, "Renew")
        request.refresh_from_db()
        if request.lender_due_on and request.lender_due_on != was_due and request.reader_loan_id:
            _extend_reader_loan(request, _today(today))
    return request


def _extend_reader_loan(request: IllRequest, today: dt.date) -> None:
    from circulation.models import Loan
    from circulation.services.calendar import SchoolCalendar

    policy = IllPolicy.current()
    with tenant_context(request.borrower):
        loan = Loan.objects.select_for_update().filter(pk=request.reader_loan_id, status=Loan.Status.OPEN).first()
        if loan is None:
            return
        latest = SchoolCalendar().previous_open_day(
            request.lender_due_on - dt.timedelta(days=policy.return_margin_days))
        if latest > loan.due_on:
            Loan.objects.filter(pk=loan.pk).update(due_on=max(latest, today))


def declare_lost(request: IllRequest, *, actor=None, note: str = "") -> IllRequest:
    """The copy is lost here: the reader's loan closes as lost (charged by the library's policy), the
    temporary item is withdrawn, and the lender is told; it closes the loan once compensated."""
    from circulation.models import Loan
    from circulation.services.charges import declare_lost as charge_loss

    with transaction.atomic():
        request = _locked(request)
        _refuse_unless(request, "declare_lost")
        with tenant_context(request.borrower):
            loan = (Loan.objects.select_for_update().filter(pk=request.reader_loan_id).first()
                    if request.reader_loan_id else None)
            if loan is not None and loan.status == Loan.Status.OPEN:
                charge_loss(loan, actor=actor, note=note or request.number)
            withdraw_lost_item(request, actor=actor)
        advance_request(request, "declare_lost", actor=actor, note=note or _("Lost at the borrowing library"))
    return request


def withdraw_lost_item(request: IllRequest, *, actor=None) -> None:
    from tenants.catalogue.models import ItemStatus
    from tenants.catalogue.services.items import apply_item_action
    from tenants.catalogue.workflow import ITEM_STATUS

    item = _temporary_item(request)
    if item is None:
        return
    if item.status != ItemStatus.LOST and ITEM_STATUS.check("declare_lost", item.status, item) is None:
        apply_item_action(item, "declare_lost", expected=item.status, actor=actor, note=request.number)
    withdraw_temporary_item(request, actor=actor)


def accept_condition(request: IllRequest, *, actor=None, note: str = "") -> IllRequest:
    """Accept the lender's loan condition: the lender's supply goes on to "will supply"."""
    with transaction.atomic():
        request = _locked(request)
        advance_request(request, "accept_condition", actor=actor, note=note)
    return request


def decline_condition(request: IllRequest, *, actor=None, note: str = "") -> IllRequest:
    """Decline the lender's condition: the lender's supply is cancelled and the rota moves on."""
    from ill.services import rota
    from ill.services.exchange import active_supply

    with transaction.atomic():
        request = _locked(request)
        supply = active_supply(request)
        advance_request(request, "decline_condition", actor=actor, note=note)
        rota.record_answer(request, supply=supply, outcome=RotaEntry.Outcome.DECLINED,
                           code=request.loan_condition or "condition", note=note)
        rota.move_on(request, actor=actor)
    return request
