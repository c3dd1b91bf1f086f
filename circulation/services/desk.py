"""The desk: check out, check in and renew, each refusal explained, every action logged.

Run inside the library's schema. An item leaves the shelf by one conditional update of its
status (the item status table's ``check_out``, applied by the catalogue's status service, which
also tells the union catalogue through the outbox); a second desk lending the same item at the
same moment finds the status changed and is refused. The open-loan unique index backs this up.
The reader's row is locked while their loans are counted, so two desks cannot both lend a
reader their last allowed item.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.exceptions import NotFound, Refused
from circulation.models import Charge, CirculationPolicy, CornerBatch, DeskEvent, Loan, Reader
from circulation.services.calendar import SchoolCalendar
from circulation.services.rules import AppliedRule, rule_for
from core.exceptions import Conflict
from tenants.catalogue.models import Item, ItemStatus
from tenants.catalogue.services.items import apply_item_action
from tenants.catalogue.workflow import ITEM_STATUS
from tenants.models import Role
from tenants.services import access


def actor_name(actor) -> str:
    """How an action is signed in the logs: the person's full name, else the account name."""
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor[:150]
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return (full or actor.get_username())[:150]


def log_event(action: str, *, ok: bool, actor=None, code: str = "", message: str = "", barcode: str = "",
              card: str = "", loan: Loan | None = None, role: str = "") -> DeskEvent:
    return DeskEvent.objects.create(
        action=action, ok=ok, code=code, message=message, item_barcode=(barcode or "")[:60],
        card_number=(card or "")[:40], loan=loan, actor_id=getattr(actor, "pk", None), actor_name=actor_name(actor),
        actor_role=role)


@dataclass
class Outcome:
    """What the desk shows after an action: the loan, a message and a code (colour and sound)."""

    loan: Loan
    message: str
    code: str = "ok"
    overdue_days: int = 0
    rule: AppliedRule | None = None
    item: Item | None = None

    @property
    def the_item(self) -> Item | None:
        """The item acted on (a check-in of an item that was not on loan has no loan)."""
        return self.item or (self.loan.item if self.loan is not None else None)


def scanned(value: str | None, length: int = 60) -> str:
    """A scanned or typed code as stored: trimmed, without the NUL characters PostgreSQL refuses."""
    return (value or "").replace("\x00", "").strip()[:length]


def find_item(barcode: str) -> Item:
    barcode = scanned(barcode)
    item = Item.objects.select_related("holdings__instance").filter(barcode=barcode).first() if barcode else None
    if item is None:
        raise NotFound(_("No item has the barcode %(barcode)s.") % {"barcode": barcode or "—"}, code="item_unknown")
    return item


def find_reader(card: str, *, lock: bool = False) -> Reader:
    card = scanned(card, 40)
    qs = Reader.objects.select_related("school_class")
    if lock:
        qs = qs.select_for_update(of=("self",))
    reader = qs.filter(card_number=card).first() if card else None
    if reader is None:
        raise NotFound(_("No reader has the card number %(card)s.") % {"card": card or "—"}, code="reader_unknown")
    return reader


def check_not_partner_library(reader: Reader) -> None:
    """A partner library's card is not a desk card: its loans are opened and renewed through ILL."""
    if reader.kind == Reader.Kind.LIBRARY:
        raise Refused(_("This card stands for a partner library; its loans go through interlibrary loan."),
                      code="partner_library")


def check_card(reader: Reader) -> None:
    if reader.status == Reader.Status.SUSPENDED:
        reason = f" ({reader.suspended_reason})" if reader.suspended_reason else ""
        raise Refused(_("This card is suspended%(reason)s.") % {"reason": reason}, code="card_inactive")
    if reader.status != Reader.Status.ACTIVE:
        raise Refused(_("This card is no longer valid: the reader has left the school."), code="card_inactive")


def title_of(item: Item) -> str:
    return item.holdings.instance.title


def check_item_lendable(item: Item, rule: AppliedRule) -> None:
    if item.reference_only or not rule.lendable:
        raise Refused(_("“%(title)s” is a reference book: it is read in the library and never lent.") % {
            "title": title_of(item)}, code="reference_only")
    if ITEM_STATUS.check("check_out", item.status, item) is not None:
        open_loan = Loan.objects.filter(item=item, status=Loan.Status.OPEN).select_related("reader").first()
        if open_loan is not None:
            raise Refused(_("“%(title)s” is already on loan (due %(due)s); check it in first.") % {
                "title": title_of(item), "due": open_loan.due_on.isoformat()}, code="item_on_loan")
        raise Refused(_("“%(title)s” cannot be lent: it is “%(status)s”.") % {
            "title": title_of(item), "status": ITEM_STATUS.label(item.status)}, code="item_unavailable")


def overdue_loans(reader: Reader, today: dt.date):
    return Loan.objects.filter(reader=reader, status=Loan.Status.OPEN, due_on__lt=today)


def check_reader_may_borrow(reader: Reader, rule: AppliedRule, item: Item, today: dt.date,
                            policy: CirculationPolicy) -> None:
    check_card(reader)
    if policy.block_when_overdue:
        late = overdue_loans(reader, today).count()
        if late:
            raise Refused(_("The reader has %(count)s overdue item(s); they must be returned first.") % {
                "count": late}, code="overdue_items")
    open_loans = Loan.objects.filter(reader=reader, status=Loan.Status.OPEN)
    if rule.material_type:
        open_loans = open_loans.filter(item__holdings__instance__material_type=rule.material_type)
    if open_loans.count() >= rule.max_items:
        raise Refused(_("The reader already has %(count)s item(s) on loan, the most allowed (%(rule)s)") % {
            "count": open_loans.count(), "rule": rule.explain()}, code="over_limit")


def lend(item: Item, *, reader: Reader | None = None, corner: CornerBatch | None = None, due_on: dt.date,
         rule: dict | None = None, actor=None, note: str = "", item_action: str = "check_out") -> Loan:
    """Move ``item`` off the shelf and open its loan (caller's transaction; no checks of the reader).

    ``item_action`` is the item status table's action that takes it off the shelf: ``check_out``
    at the desk, ``lend_ill`` when interlibrary loan lends it to a partner library. Raises
    ``Refused`` when another desk lent the item first.
    """
    try:
        apply_item_action(item, item_action, expected=item.status, actor=actor, note=note)
    except Conflict as exc:
        raise Refused(_("“%(title)s” was just lent at another desk.") % {"title": title_of(item)},
                      code="item_on_loan") from exc
    return Loan.objects.create(item=item, reader=reader, corner=corner, due_on=due_on, rule=rule or {},
                               lent_by=actor_name(actor))


def close_loan(loan: Loan, *, actor=None, status: str = Loan.Status.RETURNED, item_action: str | None = "check_in",
               note: str = "") -> Loan:
    """Close ``loan`` by a conditional update and put its item back (or through ``item_action``)."""
    now = timezone.now()
    updated = Loan.objects.filter(pk=loan.pk, status=Loan.Status.OPEN).update(
        status=status, returned_at=now, returned_by=actor_name(actor))
    if not updated:
        raise Refused(_("This loan was already closed at another desk."), code="already_returned")
    loan.status, loan.returned_at, loan.returned_by = status, now, actor_name(actor)
    if item_action:
        item = Item.objects.select_related("holdings").get(pk=loan.item_id)
        apply_item_action(item, item_action, expected=item.status, actor=actor, note=note)
    return loan


def _refusal_logged(action: str, *, actor, role: str, barcode: str = "", card: str = ""):
    """Run the desk action; a refusal is logged (outside the rolled-back work) and raised again."""

    class _Guard:
        def __enter__(self):
            return self

        def __exit__(self, exc_type, exc, tb):
            if exc is not None and isinstance(exc, (Refused, NotFound)):
                log_event(action, ok=False, actor=actor, role=role, code=exc.code, message=exc.message,
                          barcode=barcode, card=card)
            return False

    return _Guard()


def check_out(card: str, barcode: str, *, actor=None, role: str = "", today: dt.date | None = None) -> Outcome:
    """Lend the item with ``barcode`` to the reader with ``card``, or refuse and say why."""
    today = today or timezone.localdate()
    card, barcode = scanned(card, 40), scanned(barcode)
    with _refusal_logged(DeskEvent.Action.CHECK_OUT, actor=actor, role=role, barcode=barcode, card=card):
        with transaction.atomic():
            reader = find_reader(card, lock=True)
            check_not_partner_library(reader)
            item = find_item(barcode)
            rule = rule_for(reader.kind, item.holdings.instance.material_type)
            check_item_lendable(item, rule)
            policy = CirculationPolicy.current()
            check_reader_may_borrow(reader, rule, item, today, policy)
            due_on = SchoolCalendar().due_date(today, rule.loan_days)
            loan = lend(item, reader=reader, due_on=due_on, rule=rule.as_dict(), actor=actor)
            message = _("Lent “%(title)s” to %(reader)s, due %(due)s.") % {
                "title": title_of(item), "reader": reader.name, "due": due_on.isoformat()}
            log_event(DeskEvent.Action.CHECK_OUT, ok=True, actor=actor, role=role, code="ok", message=message,
                      barcode=barcode, card=card, loan=loan)
    return Outcome(loan, message, rule=rule, item=item)


def check_in(barcode: str, *, actor=None, role: str = "", today: dt.date | None = None) -> Outcome:
    """Take back the item with ``barcode``; says how many open days it was late."""
    today = today or timezone.localdate()
    barcode = scanned(barcode)
    with _refusal_logged(DeskEvent.Action.CHECK_IN, actor=actor, role=role, barcode=barcode):
        with transaction.atomic():
            item = find_item(barcode)
            loan = (Loan.objects.select_for_update(of=("self",)).select_related("reader", "corner")
                    .filter(item=item, status=Loan.Status.OPEN).first())
            if loan is None:
                # A lending or a return at another desk may have committed since the item was read:
                # lock the item (waiting for such a desk to finish) and look again, so this scan is
                # judged by the item's state now and nothing changes under it.
                item.status = Item.objects.select_for_update().values_list("status", flat=True).get(pk=item.pk)
                if Loan.objects.filter(item=item, status=Loan.Status.OPEN).exists():
                    raise Refused(_("“%(title)s” was just lent at another desk; scan it again.") % {
                        "title": title_of(item)}, code="changed")
                if item.status == ItemStatus.AVAILABLE:
                    raise Refused(_("“%(title)s” is not on loan; put it back on the shelf.") % {
                        "title": title_of(item)}, code="not_on_loan")
                if ITEM_STATUS.check("check_in", item.status, item) is not None:
                    raise Refused(_("“%(title)s” cannot be checked in: it is “%(status)s”.") % {
                        "title": title_of(item), "status": ITEM_STATUS.label(item.status)}, code="item_unavailable")
                was = ITEM_STATUS.label(item.status)
                try:
                    apply_item_action(item, "check_in", expected=item.status, actor=actor, note="desk")
                except Conflict as exc:
                    raise Refused(_("“%(title)s” was just checked in at another desk.") % {
                        "title": title_of(item)}, code="already_returned") from exc
                message = _("“%(title)s” was “%(status)s” and is back on the shelf.") % {
                    "title": title_of(item), "status": was}
                log_event(DeskEvent.Action.CHECK_IN, ok=True, actor=actor, role=role, code="found",
                          message=message, barcode=barcode)
                return Outcome(None, message, code="found", item=item)
            close_loan(loan, actor=actor)
            late = SchoolCalendar().overdue_days(loan.due_on, today)
            borrower = loan.reader.name if loan.reader_id else str(loan.corner.school_class)
            if late:
                message = _("Returned “%(title)s” from %(reader)s, %(days)s open day(s) late.") % {
                    "title": title_of(item), "reader": borrower, "days": late}
            else:
                message = _("Returned “%(title)s” from %(reader)s.") % {"title": title_of(item), "reader": borrower}
            code = "late" if late else "ok"
            log_event(DeskEvent.Action.CHECK_IN, ok=True, actor=actor, role=role, code=code, message=message,
                      barcode=barcode, card=loan.reader.card_number if loan.reader_id else "", loan=loan)
    return Outcome(loan, message, code=code, overdue_days=late, item=item)


def renew(barcode: str, *, actor=None, role: str = "", today: dt.date | None = None,
          reader: Reader | None = None) -> Outcome:
    """Renew the open loan of ``barcode`` from today by its rule; ``reader`` limits it to their own loans."""
    today = today or timezone.localdate()
    barcode = scanned(barcode)
    with _refusal_logged(DeskEvent.Action.RENEW, actor=actor, role=role, barcode=barcode):
        with transaction.atomic():
            item = find_item(barcode)
            loan = (Loan.objects.select_for_update(of=("self",)).select_related("reader")
                    .filter(item=item, status=Loan.Status.OPEN).first())
            if loan is None or (reader is not None and loan.reader_id != reader.pk):
                raise Refused(_("“%(title)s” is not on loan to this reader.") % {"title": title_of(item)},
                              code="not_on_loan")
            if loan.corner_id:
                raise Refused(_("Class corner loans are renewed with their batch."), code="corner_loan")
            check_not_partner_library(loan.reader)
            check_card(loan.reader)
            rule = rule_for(loan.reader.kind, item.holdings.instance.material_type)
            if loan.renewals >= rule.max_renewals:
                raise Refused(_("“%(title)s” has been renewed %(count)s time(s), the most allowed (%(rule)s)") % {
                    "title": title_of(item), "count": loan.renewals, "rule": rule.explain()}, code="renewal_limit")
            due_on = max(SchoolCalendar().due_date(today, rule.loan_days), loan.due_on)
            updated = Loan.objects.filter(pk=loan.pk, status=Loan.Status.OPEN, renewals=loan.renewals).update(
                due_on=due_on, renewals=loan.renewals + 1, rule=rule.as_dict())
            if not updated:
                raise Refused(_("This loan was changed at another desk; try again."), code="changed")
            loan.due_on, loan.renewals = due_on, loan.renewals + 1
            message = _("Renewed “%(title)s” until %(due)s.") % {"title": title_of(item), "due": due_on.isoformat()}
            log_event(DeskEvent.Action.RENEW, ok=True, actor=actor, role=role, code="ok", message=message,
                      barcode=barcode, card=loan.reader.card_number, loan=loan)
    return Outcome(loan, message, rule=rule, item=item)


# --- What the desk shows -------------------------------------------------------------------

DESK_ROLE_ORDER = (Role.LIBRARY_ADMIN, Role.CIRCULATION, Role.DESK_HELPER)


def desk_role(user, library) -> str:
    """The role a desk action is signed with: the user's own strongest desk role in ``library``."""
    roles = access.own_roles_in(user, library)
    return next((role.value for role in DESK_ROLE_ORDER if role in roles), "")


def explain_rule(rule: dict | AppliedRule | None) -> str:
    """The explanation of a rule as stored on a loan (``Loan.rule``), or '' for none."""
    if not rule:
        return ""
    if isinstance(rule, AppliedRule):
        return rule.explain()
    try:
        return AppliedRule(**{name: rule[name] for name in AppliedRule.__dataclass_fields__}).explain()
    except (KeyError, TypeError, ValueError):
        return ""


def mark_overdue(loans, today: dt.date, calendar: SchoolCalendar | None = None) -> list[Loan]:
    """Set ``overdue`` and ``overdue_days`` (open days late) on each open loan; returns them as a list."""
    calendar = calendar or SchoolCalendar()
    marked = []
    for loan in loans:
        loan.overdue = loan.status == Loan.Status.OPEN and loan.due_on < today
        loan.overdue_days = calendar.overdue_days(loan.due_on, today) if loan.overdue else 0
        marked.append(loan)
    return marked


@dataclass
class ReaderSummary:
    """What the desk shows of a reader once their card is scanned."""

    reader: Reader
    loans: list[Loan]
    overdue_count: int
    open_charges: int


def reader_summary(card: str, *, today: dt.date | None = None) -> ReaderSummary:
    """The reader with ``card``, their open loans (overdue ones flagged) and open charges."""
    today = today or timezone.localdate()
    reader = find_reader(card)
    loans = mark_overdue(Loan.objects.filter(reader=reader, status=Loan.Status.OPEN)
                         .select_related("item__holdings__instance").order_by("due_on", "id"), today)
    return ReaderSummary(reader, loans, sum(1 for loan in loans if loan.overdue),
                         Charge.objects.filter(reader=reader, status=Charge.Status.OPEN).count())


def open_loans(*, overdue: bool | None = None, school_class: int | None = None, card: str = "",
               today: dt.date | None = None):
    """Open loans (to readers and class corners), oldest due first, filtered as the desk list asks.

    ``school_class`` takes the loans of the class's students and of its corner batches.
    """
    today = today or timezone.localdate()
    loans = (Loan.objects.filter(status=Loan.Status.OPEN)
             .select_related("item__holdings__instance", "reader__school_class", "corner__school_class")
             .order_by("due_on", "id"))
    if overdue is True:
        loans = loans.filter(due_on__lt=today)
    elif overdue is False:
        loans = loans.filter(due_on__gte=today)
    if school_class is not None:
        loans = loans.filter(models.Q(reader__school_class_id=school_class)
                             | models.Q(corner__school_class_id=school_class))
    if card:
        loans = loans.filter(reader__card_number=scanned(card, 40))
    return loans
