"""The charges ledger: compensation for lost and damaged items, paid, waived or replaced by a copy.

The library's ``CirculationPolicy`` decides the amount. A lost item costs its price (``price``),
its price times ``loss_factor`` (``factor``), or a replacement copy (``replacement``: amount 0,
the charge stays open until the copy is received). A damaged item costs ``damage_share`` of its
price. An item without a price is charged the policy's ``default_price``. Amounts are Decimal,
rounded to the cent half up. A corner loan's charge falls on the class, a reader's on the reader.

A charge is settled once, by a conditional update from "open"; each action is logged at the desk.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.exceptions import NotFound, Refused, UserError
from circulation.models import Charge, CirculationPolicy, DeskEvent, Loan
from circulation.services.desk import actor_name, close_loan, find_item, log_event, title_of

CENT = Decimal("0.01")
Policy = CirculationPolicy.LossPolicy


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def price_of(item, policy: CirculationPolicy) -> Decimal:
    """The item's price, or the policy's default for items without one."""
    return money(item.price if item.price is not None and item.price > 0 else policy.default_price)


def loss_amount(price: Decimal, policy: CirculationPolicy) -> Decimal:
    if policy.loss_policy == Policy.REPLACEMENT:
        return money(0)
    if policy.loss_policy == Policy.FACTOR:
        return money(price * policy.loss_factor)
    return money(price)


def damage_amount(price: Decimal, policy: CirculationPolicy) -> Decimal:
    return money(price * policy.damage_share)


def open_loan_of(barcode: str) -> Loan:
    """The open loan of the item with ``barcode`` (locked), or a refusal saying it is not on loan."""
    item = find_item(barcode)
    loan = (Loan.objects.select_for_update(of=("self",))
            .select_related("item__holdings__instance", "reader__school_class", "corner__school_class")
            .filter(item=item, status=Loan.Status.OPEN).first())
    if loan is None:
        raise Refused(_("“%(title)s” is not on loan.") % {"title": title_of(item)}, code="not_on_loan")
    return loan


def _who(loan: Loan) -> dict:
    if loan.corner_id:
        return {"reader": None, "school_class": loan.corner.school_class}
    return {"reader": loan.reader, "school_class": None}


def _charge_for(loan: Loan, kind: str, amount: Decimal, policy_code: str, *, actor, note: str) -> Charge:
    return Charge.objects.create(item=loan.item, loan=loan, kind=kind, policy=policy_code, amount=amount,
                                 note=note[:300], created_by=actor_name(actor), **_who(loan))


def _log(charge: Charge, code: str, message: str, *, actor, role: str) -> None:
    loan = charge.loan
    card = loan.reader.card_number if loan is not None and loan.reader_id else ""
    log_event(DeskEvent.Action.CHARGE, ok=True, actor=actor, role=role, code=code, message=message,
              barcode=charge.item.barcode if charge.item_id else "", card=card, loan=loan)


def declare_lost(loan: Loan, *, actor=None, role: str = "", note: str = "") -> Charge:
    """Close ``loan`` as lost, mark its item lost, and charge by the library's loss policy."""
    policy = CirculationPolicy.current()
    with transaction.atomic():
        close_loan(loan, actor=actor, status=Loan.Status.LOST, item_action="declare_lost", note=note or "lost")
        price = price_of(loan.item, policy)
        amount = loss_amount(price, policy)
        charge = _charge_for(loan, Charge.Kind.LOST, amount, policy.loss_policy, actor=actor, note=note)
        if policy.loss_policy == Policy.REPLACEMENT:
            message = _("“%(title)s” declared lost; a replacement copy is owed.") % {"title": title_of(loan.item)}
        else:
            message = _("“%(title)s” declared lost; charged %(amount)s.") % {
                "title": title_of(loan.item), "amount": amount}
        _log(charge, "lost", message, actor=actor, role=role)
    return charge


def declare_damaged(loan: Loan, *, actor=None, role: str = "", note: str = "") -> Charge:
    """Take back ``loan``'s item damaged (the item is marked damaged) and charge a share of its price."""
    policy = CirculationPolicy.current()
    with transaction.atomic():
        close_loan(loan, actor=actor, item_action="mark_damaged", note=note or "damaged")
        amount = damage_amount(price_of(loan.item, policy), policy)
        charge = _charge_for(loan, Charge.Kind.DAMAGED, amount, "", actor=actor, note=note)
        _log(charge, "damaged", _("“%(title)s” returned damaged; charged %(amount)s.") % {
            "title": title_of(loan.item), "amount": amount}, actor=actor, role=role)
    return charge


def charge_item(barcode: str, kind: str, *, actor=None, role: str = "", note: str = "") -> Charge:
    """Charge the borrower of the item on loan with ``barcode`` for losing or damaging it."""
    with transaction.atomic():
        loan = open_loan_of(barcode)
        if kind == Charge.Kind.LOST:
            return declare_lost(loan, actor=actor, role=role, note=note)
        if kind == Charge.Kind.DAMAGED:
            return declare_damaged(loan, actor=actor, role=role, note=note)
    raise UserError(_("A charge is for a lost or a damaged item."), code="invalid_kind")


def get_charge(pk: int) -> Charge:
    charge = Charge.objects.select_related("item", "loan__reader", "reader", "school_class").filter(pk=pk).first()
    if charge is None:
        raise NotFound(_("No charge %(pk)s.") % {"pk": pk}, code="charge_unknown")
    return charge


def _settle(charge: Charge, status: str, *, actor, note: str | None = None) -> Charge:
    now = timezone.now()
    values = {"status": status, "settled_at": now, "settled_by": actor_name(actor)}
    if note:
        values["note"] = note[:300]
    updated = Charge.objects.filter(pk=charge.pk, status=Charge.Status.OPEN).update(**values)
    if not updated:
        raise Refused(_("This charge has already been settled."), code="already_settled")
    for name, value in values.items():
        setattr(charge, name, value)
    return charge


def pay(charge: Charge, *, actor=None, role: str = "", note: str = "") -> Charge:
    """Record the payment of an open charge."""
    if charge.amount <= 0:
        raise Refused(_("Nothing is to be paid: a replacement copy is owed."), code="replacement_owed")
    with transaction.atomic():
        _settle(charge, Charge.Status.PAID, actor=actor, note=note or None)
        _log(charge, "paid", _("Charge %(pk)s paid: %(amount)s.") % {"pk": charge.pk, "amount": charge.amount},
             actor=actor, role=role)
    return charge


def waive(charge: Charge, *, reason: str, actor=None, role: str = "") -> Charge:
    """Waive an open charge; the reason is required and kept in the ledger."""
    reason = (reason or "").strip()
    if not reason:
        raise UserError(_("Give the reason for waiving the charge."), code="reason_required")
    with transaction.atomic():
        _settle(charge, Charge.Status.WAIVED, actor=actor, note=reason)
        _log(charge, "waived", _("Charge %(pk)s waived: %(reason)s") % {"pk": charge.pk, "reason": reason},
             actor=actor, role=role)
    return charge


def replacement_received(charge: Charge, *, actor=None, role: str = "", note: str = "") -> Charge:
    """Record that a replacement copy for a lost item was received (the new copy is catalogued apart)."""
    if charge.kind != Charge.Kind.LOST:
        raise Refused(_("Only a lost item is replaced by a copy."), code="not_lost")
    with transaction.atomic():
        _settle(charge, Charge.Status.REPLACED, actor=actor, note=note or None)
        _log(charge, "replaced", _("Charge %(pk)s settled by a replacement copy.") % {"pk": charge.pk},
             actor=actor, role=role)
    return charge


def ledger(*, status: str = "", kind: str = "", school_class=None, reader=None):
    qs = Charge.objects.select_related("item__holdings__instance", "reader", "school_class", "loan")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if school_class is not None:
        qs = qs.filter(Q(school_class=school_class) | Q(reader__school_class=school_class))
    if reader is not None:
        qs = qs.filter(reader=reader)
    return qs


@dataclass
class Totals:
    counts: dict[str, int]
    amounts: dict[str, Decimal]

    def as_dict(self) -> dict:
        return {status: {"count": self.counts[status], "amount": str(self.amounts[status])}
                for status in Charge.Status.values}


def totals(qs) -> Totals:
    """Count and sum of the charges in ``qs`` by status (open, paid, replaced, waived)."""
    rows = {row["status"]: row for row in qs.order_by().values("status").annotate(n=Count("id"), s=Sum("amount"))}
    return Totals(
        counts={s: rows[s]["n"] if s in rows else 0 for s in Charge.Status.values},
        amounts={s: money(rows[s]["s"] or 0) if s in rows else money(0) for s in Charge.Status.values},
    )


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def ledger_csv(qs) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Number"), _("Date"), _("Kind"), _("Policy"), _("Status"), _("Amount"), _("Barcode"),
                     _("Title"), _("Card number"), _("Reader"), _("Class"), _("Note"), _("Charged by"),
                     _("Settled at"), _("Settled by")])
    for c in qs:
        writer.writerow([_cell(v) for v in (
            c.pk, timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"), c.get_kind_display(),
            c.get_policy_display() if c.policy else "", c.get_status_display(), c.amount,
            c.item.barcode if c.item_id else "", c.item.holdings.instance.title if c.item_id else "",
            c.reader.card_number if c.reader_id else "", c.reader.name if c.reader_id else "",
            c.school_class if c.school_class_id else "", c.note, c.created_by,
            timezone.localtime(c.settled_at).strftime("%Y-%m-%d %H:%M") if c.settled_at else "", c.settled_by)])
    return out.getvalue()
