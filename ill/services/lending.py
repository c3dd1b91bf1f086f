"""The lender's side: answering, pull slips, shipping through circulation, renewals, recalls, loss.

The lender's copy lives in its own schema: every step that touches it runs in ``tenant_context``
of the lender and goes through circulation and the catalogue's item status table, so the union
catalogue sees the copy leave and come back like any loan. A shipped copy is an open circulation
``Loan`` to a reader of kind ``library`` standing for the borrowing library (card
``ILL-<its agency id>``, made on first use) with the item ``on_ill_loan``; nothing of the borrower's
reader ever reaches the lender.

The supply's status changes only through ``advance_supply``, which tells the borrower.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.exceptions import Conflict, UserError
from ill.exceptions import SupplyRefused
from ill.models import IllPolicy, LibraryIllSettings, Supply
from ill.services.transitions import advance_supply, audit_supply
from ill.workflow import BEFORE_SHIPPING, SUPPLIER

log = logging.getLogger(__name__)

DECISIONS = ("will_supply", "expect_to_supply", "unfilled", "condition", "retry_possible")
# The ISO 18626 answer each decision sends, and whether it is a "yes" to the request.
_DECISION_ACTION = {
    "will_supply": ("will_supply", True),
    "expect_to_supply": ("expect_to_supply", True),
    "condition": ("propose_condition", True),
    "unfilled": ("unfilled", False),
    "retry_possible": ("retry_possible", False),
}


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _refuse_unless(supply: Supply, action: str) -> None:
    """A clean refusal before any work when the supply's state does not allow ``action``."""
    refusal = SUPPLIER.refusal(action, supply.status, supply)
    if refusal:
        raise Conflict(refusal[0], code=refusal[1])


def _locked(supply: Supply) -> Supply:
    return Supply.objects.select_for_update().get(pk=supply.pk)


# --- Finding the copy in the lender's catalogue -------------------------------------------------

def _isbns_asked(supply: Supply) -> list[str]:
    from core.isbn import isbn13

    raw = []
    bib = supply.bib or {}
    for key in ("isbn", "ISBN"):
        if bib.get(key):
            raw.append(str(bib[key]))
    for value in bib.get("isbns") or []:
        raw.append(str(value.get("value", "") if isinstance(value, dict) else value))
    request = supply.request
    if request is not None and request.union_record_id:
        raw.extend(request.union_record.isbns or [])
    found = []
    for value in raw:
        normal = isbn13(value)
        if normal and normal not in found:
            found.append(normal)
    return found


def instance_ids_for(supply: Supply) -> list[int]:
    """The lender's instances of the title asked for (run inside the lender's schema).

    A member's request names a union record: the lender's own holdings of it say which instances.
    A peer's request (or a union record the lender's copy has left) is matched by ISBN. Temporary
    ILL items the lender itself has borrowed never count.
    """
    from tenants.catalogue.models import Instance, MaterialType

    ids: list[int] = []
    request = supply.request
    if request is not None and request.union_record_id:
        ids = list(request.union_record.holdings.filter(library_id=supply.lender_id)
                   .values_list("instance_id", flat=True))
    live = Instance.objects.filter(deleted=False).exclude(material_type=MaterialType.ILL)
    if ids:
        ids = list(live.filter(pk__in=ids).values_list("pk", flat=True))
    if not ids:
        isbns = _isbns_asked(supply)
        if isbns:
            match = Q()
            for isbn in isbns:
                match |= Q(isbns__contains=[{"isbn13": isbn}]) | Q(isbns__contains=[{"value": isbn}])
            ids = list(live.filter(match).values_list("pk", flat=True))
    return ids


def loanable_copies(instance_ids):
    """Copies of those instances a reader could take off the shelf now, in shelf order."""
    from tenants.catalogue.models import Item
    from tenants.catalogue.workflow import loanable_q

    return (Item.objects.filter(loanable_q(), holdings__instance_id__in=list(instance_ids))
            .exclude(barcode=None).exclude(discovery_suppress=True)
            .select_related("holdings__instance")
            .order_by("holdings__location", "holdings__call_number", "barcode"))


def _copy_values(item) -> dict:
    return {"instance_id": item.holdings.instance_id, "item_id": item.pk, "item_barcode": item.barcode or "",
            "location": item.holdings.location[:100], "call_number": item.holdings.call_number[:200]}


def choose_copy(supply: Supply) -> dict:
    """The values naming a loanable copy on the lender's shelf (empty when there is none).

    A copy another of the lender's open supplies has already chosen (and not shipped yet) is left
    for that one, so two requests for one title do not send a clerk to the same copy. When the
    lender holds the title but no copy is free, only ``instance_id`` is given.
    """
    promised = list(Supply.objects.filter(lender=supply.lender, item_id__isnull=False,
                                          status__in=sorted(BEFORE_SHIPPING))
                    .exclude(pk=supply.pk).values_list("item_id", flat=True))
    with tenant_context(supply.lender):
        ids = instance_ids_for(supply)
        item = loanable_copies(ids).exclude(pk__in=promised).first()
        if item is not None:
            return _copy_values(item)
        return {"instance_id": ids[0]} if ids else {}


# --- Answering ------------------------------------------------------------------------------------

def answer(supply: Supply, decision: str, *, reason: str = "", note: str = "", condition: str = "",
           actor=None) -> Supply:
    """The lender's answer to a request.

    ``will_supply`` chooses a loanable copy on the shelf (its location and call number print on the
    pull slip); ``expect_to_supply`` says it will, later; ``unfilled`` needs an ISO 18626 reason
    (NotHeld, NotOnShelf, NonCirculating, NotAvailableForILL, PolicyProblem, PoorCondition ...);
    ``condition`` proposes a loan condition (e.g. LibraryUseOnly) with ``note`` for the borrower to
    accept or decline; ``retry_possible`` with a reason for retry. The first answer to a new request
    is the request's response (reasonForMessage RequestResponse, yes or no).
    """
    if decision not in _DECISION_ACTION:
        raise UserError(_("Unknown answer %(decision)s.") % {"decision": decision}, code="bad_decision")
    action, yes = _DECISION_ACTION[decision]
    values: dict = {}
    if note:
        values["answer_note"] = note
    if decision == "unfilled":
        if not reason:
            raise UserError(_("Say why the request cannot be supplied."), code="reason_required")
        values["reason_unfilled"] = reason[:60]
    elif decision == "retry_possible":
        if not reason:
            raise UserError(_("Say why the request could be tried again."), code="reason_required")
        values["reason_retry"] = reason[:60]
    elif decision == "condition":
        if not condition:
            raise UserError(_("Name the loan condition."), code="condition_required")
        values.update(loan_condition=condition[:60], condition_note=note)
    with transaction.atomic():
        supply = _locked(supply)
        _refuse_unless(supply, action)
        if decision == "will_supply" and not supply.item_id:
            values = {**choose_copy(supply), **values}
        first = supply.status == Supply.Status.NEW
        advance_supply(supply, action, actor=actor, note=note or reason or condition, values=values,
                       reason="RequestResponse" if first else "StatusChange", answer_yes=yes if first else None)
    return supply


def auto_respond_later(supply_pk: int) -> None:
    """After commit: answer a new supply from live availability (its lender auto-responds)."""
    from ill import tasks

    transaction.on_commit(lambda: tasks.auto_respond.delay(supply_pk))


def auto_respond(supply_pk: int) -> None:
    """Answer from live availability: WillSupply with a loanable copy on the shelf, else Unfilled.

    Unfilled says NotOnShelf when the lender holds the title with no copy on the shelf, NotHeld
    when it does not hold it at all. A supply already answered (by staff, or a repeated task) is
    left alone.
    """
    supply = Supply.objects.select_related("lender", "request__union_record").filter(pk=supply_pk).first()
    if supply is None or supply.status != Supply.Status.NEW:
        return
    if not LibraryIllSettings.for_library(supply.lender).auto_respond:
        return
    copy = choose_copy(supply)
    try:
        if copy.get("item_id"):
            with transaction.atomic():
                supply = _locked(supply)
                if supply.status != Supply.Status.NEW:
                    return
                advance_supply(supply, "will_supply", actor="auto-respond", values=copy,
                               reason="RequestResponse", answer_yes=True)
        else:
            reason = "NotOnShelf" if copy.get("instance_id") else "NotHeld"
            with transaction.atomic():
                supply = _locked(supply)
                if supply.status != Supply.Status.NEW:
                    return
                advance_supply(supply, "unfilled", actor="auto-respond", note=reason,
                               values={"reason_unfilled": reason, **copy}, reason="RequestResponse",
                               answer_yes=False)
    except Conflict:  # staff answered at the same moment
        log.info("supply %s was answered before the auto-responder", supply_pk)


# --- Pull slips -----------------------------------------------------------------------------------

def _borrower_name(supply: Supply) -> str:
    if supply.borrower_id:
        return supply.borrower.name
    if supply.requester_peer_id:
        return supply.requester_peer.name
    return ""


def pull_slips(lender, supplies=None, *, actor=None) -> bytes:
    """A PDF of pull slips, in shelf order (location, then call number), one slip per supply.

    Without ``supplies``: every supply of ``lender`` that will be supplied and has no slip yet.
    Each slip names the lender's number, the borrowing library and its request number (never a
    reader), the title, where the copy stands, its barcode, the needed-by date and the service.
    Supplies printed for the first time move to "pull slip printed"; given ones already printed are
    printed again.
    """
    printable = (Supply.Status.WILL_SUPPLY, Supply.Status.PULL_SLIP_PRINTED)
    if supplies is None:
        chosen = Supply.objects.filter(lender=lender, status=Supply.Status.WILL_SUPPLY)
    else:
        chosen = Supply.objects.filter(lender=lender, pk__in=[getattr(s, "pk", s) for s in supplies],
                                       status__in=printable)
    chosen = list(chosen.select_related("borrower", "requester_peer"))
    chosen.sort(key=lambda s: (s.location or "\uffff", s.call_number or "\uffff", s.number))
    pdf = _slips_pdf(lender, chosen)
    with transaction.atomic():
        for supply in chosen:
            if supply.status == Supply.Status.WILL_SUPPLY:
                try:
                    advance_supply(supply, "print_pull_slip", actor=actor, expected=Supply.Status.WILL_SUPPLY)
                except Conflict:  # answered otherwise meanwhile (cancelled); the slip is just spare
                    continue
    return pdf


def _slips_pdf(lender, supplies) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    from circulation.services.cards import CJK_FONT, LATIN_FONT, _barcode, _canvas, _fit

    out = io.BytesIO()
    canvas = _canvas(out, _("Pull slips"))
    page_w, page_h = A4
    margin = 12 * mm
    slip_h = (page_h - 2 * margin) / 3
    width = page_w - 2 * margin
    for n, supply in enumerate(supplies):
        slot = n % 3
        if n and slot == 0:
            canvas.showPage()
        top = page_h - margin - slot * slip_h
        canvas.setStrokeGray(0.7)
        canvas.setLineWidth(0.3)
        canvas.rect(margin, top - slip_h, width, slip_h)
        x, y = margin + 5 * mm, top - 9 * mm
        canvas.setFont(CJK_FONT, 9)
        heading = _("Interlibrary loan pull slip")
        canvas.drawString(x, y, f"{lender.name} · {heading}")
        canvas.setFont(LATIN_FONT, 11)
        canvas.drawRightString(margin + width - 5 * mm, y, supply.number)
        y -= 10 * mm
        title = supply.title or "—"
        canvas.setFont(CJK_FONT, _fit(canvas, title, CJK_FONT, 14, width - 10 * mm))
        canvas.drawString(x, y, title)
        lines = [
            (_("Location"), supply.location or "—"),
            (_("Call number"), supply.call_number or "—"),
            (_("Barcode"), supply.item_barcode or "—"),
            (_("Borrowing library"), _borrower_name(supply) or "—"),
            (_("Their request number"), supply.requester_request_id),
            (_("Needed by"), supply.needed_by.isoformat() if supply.needed_by else "—"),
            (_("Service"), supply.get_service_type_display()),
        ]
        for label, value in lines:
            y -= 6.5 * mm
            canvas.setFont(CJK_FONT, 10)
            canvas.drawString(x, y, f"{label}: {value}")
        if supply.item_barcode:
            _barcode(canvas, supply.item_barcode, margin + width - 75 * mm, top - slip_h + 6 * mm, 70 * mm, 12 * mm)
    if not supplies:
        canvas.setFont(CJK_FONT, 12)
        canvas.drawString(margin, page_h - margin - 12, _("No pull slips to print."))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- Taking the copy off the shelf and shipping it -------------------------------------------

def _checked_copy(supply: Supply, barcode: str):
    """The lender's item with ``barcode`` if it is a loanable copy of the title asked for (in its schema)."""
    from circulation.services.desk import scanned
    from tenants.catalogue.models import Item

    barcode = scanned(barcode)
    item = (Item.objects.select_related("holdings__instance").filter(barcode=barcode).first()
            if barcode else None)
    if item is None:
        raise SupplyRefused(_("No item has the barcode %(barcode)s.") % {"barcode": barcode or "—"},
                            code="item_unknown")
    wanted = {supply.instance_id} if supply.instance_id else set(instance_ids_for(supply))
    if wanted and item.holdings.instance_id not in wanted:
        raise SupplyRefused(_("The item %(barcode)s is a copy of another title.") % {"barcode": barcode},
                            code="wrong_item")
    if item.reference_only:
        raise SupplyRefused(_("The item %(barcode)s is for reference only and is never lent.") % {
            "barcode": barcode}, code="not_loanable")
    if not item.loanable:
        raise SupplyRefused(_("The item %(barcode)s is not on the shelf.") % {"barcode": barcode},
                            code="not_on_shelf")
    return item


def pick(supply: Supply, barcode: str, *, actor=None) -> Supply:
    """The copy is taken from the shelf: its scanned barcode must be a loanable copy of the title."""
    with transaction.atomic():
        supply = _locked(supply)
        _refuse_unless(supply, "pick")
        with tenant_context(supply.lender):
            item = _checked_copy(supply, barcode)
        advance_supply(supply, "pick", actor=actor, values=_copy_values(item), tell_borrower=False)
    return supply


def partner_reader(supply: Supply):
    """The lender's circulation reader standing for the borrowing library (in its schema; made once)."""
    from circulation.models import Reader

    if supply.borrower_id:
        agency, name = supply.borrower.agency_id or supply.borrower.code, supply.borrower.name
    elif supply.requester_peer_id:
        agency, name = supply.requester_peer.agency_id, supply.requester_peer.name
    else:
        raise SupplyRefused(_("This supply has no borrowing library."), code="no_borrower")
    card = f"ILL-{agency}"[:40]
    reader, _created = Reader.objects.get_or_create(card_number=card,
                                                    defaults={"name": name[:100], "kind": Reader.Kind.LIBRARY})
    if reader.kind != Reader.Kind.LIBRARY:
        raise SupplyRefused(_("The card number %(card)s belongs to a reader, not to a partner library.") % {
            "card": card}, code="partner_card_taken")
    return reader


def loan_due_date(lender, today: dt.date, policy: IllPolicy | None = None) -> dt.date:
    """Today plus the consortium's ILL loan period, moved to the lender's next open day (its schema)."""
    from circulation.services.calendar import SchoolCalendar

    policy = policy or IllPolicy.current()
    with tenant_context(lender):
        return SchoolCalendar().due_date(today, policy.loan_days)


def ship(supply: Supply, *, barcode: str | None = None, actor=None, today: dt.date | None = None) -> Supply:
    """Lend the copy to the borrowing library in the lender's circulation and tell the borrower.

    The item goes ``on_ill_loan`` through the item status table and an open ``Loan`` to the
    partner-library reader records it, due after the policy's loan period on an open day of the
    lender. Refused (``SupplyRefused``) when the copy is not a loanable copy on the shelf; when two
    clerks ship the same supply at once, one wins and the other gets a ``Conflict``.
    """
    from circulation.exceptions import Refused
    from circulation.services.desk import lend

    today = _today(today)
    with transaction.atomic():
        supply = Supply.objects.select_for_update(of=("self",)).select_related("lender", "borrower", "requester_peer").get(
            pk=supply.pk)
        _refuse_unless(supply, "ship")
        due_on = loan_due_date(supply.lender, today)
        with tenant_context(supply.lender):
            from tenants.catalogue.models import Item

            if barcode:
                item = _checked_copy(supply, barcode)
            elif supply.item_id:
                item = Item.objects.select_related("holdings__instance").filter(pk=supply.item_id).first()
                if item is None:
                    raise SupplyRefused(_("The chosen copy is no longer in the catalogue."), code="item_unknown")
                if item.reference_only:
                    raise SupplyRefused(_("The item %(barcode)s is for reference only and is never lent.") % {
                        "barcode": item.barcode}, code="not_loanable")
                if not item.loanable:
                    raise SupplyRefused(_("The item %(barcode)s is not on the shelf.") % {"barcode": item.barcode},
                                        code="not_on_shelf")
            else:
                raise SupplyRefused(_("Scan the copy to ship."), code="barcode_required")
            reader = partner_reader(supply)
            try:
                loan = lend(item, reader=reader, due_on=due_on, actor=actor, item_action="lend_ill",
                            note=supply.number, rule={"ill_supply": supply.number, "loan_days": (due_on - today).days})
            except Refused as exc:
                raise SupplyRefused(exc.message, code="not_on_shelf") from exc
        values = {**_copy_values(item), "loan_id": loan.pk, "due_on": due_on}
        advance_supply(supply, "ship", actor=actor, values=values)
    return supply


# --- While the copy is away -----------------------------------------------------------------

def _circulation_loan(supply: Supply, *, lock: bool = False):
    """The open circulation loan of the supply in the lender's schema (call inside it), or None."""
    from circulation.models import Loan

    if not supply.loan_id:
        return None
    loans = Loan.objects.filter(pk=supply.loan_id)
    if lock:
        loans = loans.select_for_update()
    return loans.first()


def answer_renewal(supply: Supply, *, actor=None, today: dt.date | None = None) -> Supply:
    """Answer a borrower's Renew: yes with a new due date while renewals are left, else no.

    Yes moves the due date of the supply and of the circulation loan on by the policy's loan
    period (from the current due date, or today if later) to an open day of the lender, counts
    the renewal and, for an overdue loan, makes it a plain loan again. A recalled copy is never
    renewed. The answer goes to the borrower as a RenewResponse.
    """
    from circulation.models import Loan
    from circulation.services.calendar import SchoolCalendar
    from ill.services.exchange import tell_borrower

    today = _today(today)
    policy = IllPolicy.current()
    with transaction.atomic():
        supply = Supply.objects.select_for_update(of=("self",)).select_related("lender").get(pk=supply.pk)
        grantable = (supply.status in (Supply.Status.LOANED, Supply.Status.OVERDUE)
                     and supply.renewals < policy.max_renewals)
        if not grantable:
            audit_supply(supply, "renewal_refused", actor=actor)
            tell_borrower(supply, reason="RenewResponse", answer_yes=False)
            return supply
        start = max(supply.due_on or today, today)
        with tenant_context(supply.lender):
            due_on = SchoolCalendar().due_date(start, policy.loan_days)
            loan = _circulation_loan(supply, lock=True)
            if loan is not None and loan.status == Loan.Status.OPEN:
                Loan.objects.filter(pk=loan.pk).update(due_on=due_on, renewals=loan.renewals + 1)
        values = {"due_on": due_on, "renewals": supply.renewals + 1}
        if supply.status == Supply.Status.OVERDUE:
            advance_supply(supply, "renewed", actor=actor, values=values, reason="RenewResponse", answer_yes=True)
        else:
            Supply.objects.filter(pk=supply.pk).update(**values, updated_at=timezone.now())
            supply.due_on, supply.renewals = due_on, values["renewals"]
            audit_supply(supply, "renewed", actor=actor, note=due_on.isoformat())
            tell_borrower(supply, reason="RenewResponse", answer_yes=True)
    return supply


def recall(supply: Supply, *, actor=None, note: str = "") -> Supply:
    """Ask for the copy back before its due date (the borrower hears Recalled)."""
    with transaction.atomic():
        supply = _locked(supply)
        advance_supply(supply, "recall", actor=actor, note=note)
    return supply


def sweep_overdues(today: dt.date | None = None) -> int:
    """Every copy on loan (or recalled) past its due date becomes Overdue; the borrower hears of it."""
    today = _today(today)
    count = 0
    due = Supply.objects.filter(status__in=(Supply.Status.LOANED, Supply.Status.RECALLED), due_on__lt=today)
    for pk in due.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                supply = Supply.objects.select_for_update().get(pk=pk)
                if supply.status not in (Supply.Status.LOANED, Supply.Status.RECALLED):
                    continue
                advance_supply(supply, "mark_overdue", actor="overdue sweep", note=str(supply.due_on))
                count += 1
        except Conflict:
            continue
    return count


def declare_lost(supply: Supply, *, actor=None, note: str = "") -> Supply:
    """The copy will not come back: the circulation loan closes as lost and the item becomes lost."""
    from circulation.models import Loan
    from circulation.services.desk import close_loan

    with transaction.atomic():
        supply = Supply.objects.select_for_update(of=("self",)).select_related("lender").get(pk=supply.pk)
        _refuse_unless(supply, "declare_lost")
        with tenant_context(supply.lender):
            loan = _circulation_loan(supply, lock=True)
            if loan is not None and loan.status == Loan.Status.OPEN:
                close_loan(loan, actor=actor, status=Loan.Status.LOST, item_action="declare_lost",
                           note=supply.number)
        advance_supply(supply, "declare_lost", actor=actor, note=note)
    return supply


def compensated(supply: Supply, *, amount, actor=None, note: str = "") -> Supply:
    """The borrowing library paid for the lost copy: ``amount`` (CNY) is the supply's cost; both sides close."""
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise UserError(_("The amount must be a number."), code="bad_amount") from exc
    if amount < 0:
        raise UserError(_("The amount cannot be negative."), code="bad_amount")
    with transaction.atomic():
        supply = _locked(supply)
        _refuse_unless(supply, "compensated")
        text = note or _("Compensation received: %(amount)s CNY") % {"amount": amount}
        advance_supply(supply, "compensated", actor=actor, note=text, values={"cost": amount})
    return supply


def check_in(supply: Supply, *, barcode: str | None = None, actor=None) -> Supply:
    """The copy is back: the circulation loan closes, the item returns to the shelf, both sides complete.

    A copy checked in at the ordinary desk first (its loan already closed, the item on the shelf)
    only completes the supply here. A copy declared lost that turns up goes back on the shelf too.
    """
    from circulation.models import Loan
    from circulation.services.desk import close_loan, scanned
    from tenants.catalogue.models import Item
    from tenants.catalogue.services.items import apply_item_action
    from tenants.catalogue.workflow import ITEM_STATUS

    with transaction.atomic():
        supply = Supply.objects.select_for_update(of=("self",)).select_related("lender").get(pk=supply.pk)
        _refuse_unless(supply, "check_in")
        if barcode and scanned(barcode) != supply.item_barcode:
            raise SupplyRefused(_("The item %(barcode)s is not the copy lent for this request.") % {
                "barcode": scanned(barcode)}, code="wrong_item")
        with tenant_context(supply.lender):
            loan = _circulation_loan(supply, lock=True)
            if loan is not None and loan.status == Loan.Status.OPEN:
                close_loan(loan, actor=actor, note=supply.number)
            elif supply.item_id:
                item = Item.objects.select_related("holdings").filter(pk=supply.item_id).first()
                if item is not None and ITEM_STATUS.check("check_in", item.status, item) is None:
                    apply_item_action(item, "check_in", expected=item.status, actor=actor, note=supply.number)
        advance_supply(supply, "check_in", actor=actor)
    return supply
