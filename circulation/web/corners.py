"""Pages of class corners, overdue lists and the charges ledger of one library (/lib/<code>/...).

For the library's own circulation staff and administrator only (readers' names and money).
Plain forms that post and redirect, so every page works without JavaScript; the overdue lists
print one class per page.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from circulation.api.corners import csv_response
from circulation.exceptions import UserError
from circulation.models import Charge, CornerBatch, SchoolClass
from circulation.services import charges, corners, overdues
from tenants.models import Role
from tenants.services import access


def _check(request) -> None:
    if not access.has_own_role(request.user, request.library, Role.CIRCULATION):
        raise PermissionDenied


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _report(request, outcome) -> None:
    """Say what went and, barcode by barcode, what did not."""
    if outcome.lent:
        messages.success(request, _("%(count)s item(s) lent to the class corner.") % {"count": len(outcome.lent)})
    if outcome.returned:
        messages.success(request, _("%(count)s item(s) returned.") % {"count": len(outcome.returned)})
    for refusal in outcome.refused:
        messages.error(request, f"{refusal.barcode}: {refusal.message}")


def _classes():
    return SchoolClass.objects.filter(active=True).select_related("teacher")


# --- Class corners --------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def corner_list(request, code):
    _check(request)
    form = {}
    if request.method == "POST":
        form = request.POST
        school_class = SchoolClass.objects.filter(pk=form.get("school_class") or 0).first()
        try:
            if school_class is None:
                raise UserError(_("Choose a class."), code="no_class")
            outcome = corners.lend_batch(school_class, form.get("barcodes", ""), due_on=_date(form.get("due_on")),
                                         actor=request.user, role=Role.CIRCULATION, note=form.get("note", ""))
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            _report(request, outcome)
            if outcome.batch is not None:
                return redirect("circ-corners-batch", code=code, pk=outcome.batch.pk)
    batches = list(corners.open_batches())
    counts = {}
    for loan in corners.open_corner_loans():
        counts[loan.corner_id] = counts.get(loan.corner_id, 0) + 1
    for batch in batches:
        batch.item_count = counts.get(batch.pk, 0)
    return render(request, "circulation/corners/list.html", {
        "library": request.library, "batches": batches, "classes": _classes(), "form": form,
        "default_due": corners.default_due_date(timezone.localdate())})


@login_required
@require_http_methods(["GET", "POST"])
def batch_detail(request, code, pk):
    _check(request)
    batch = get_object_or_404(CornerBatch.objects.select_related("school_class", "teacher"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "return":
                outcome = corners.return_items(batch, request.POST.getlist("barcode") or None, actor=request.user,
                                               role=Role.CIRCULATION)
            elif action == "exchange":
                outcome = corners.exchange(batch, returned=request.POST.get("returned", ""),
                                           added=request.POST.get("added", ""), actor=request.user,
                                           role=Role.CIRCULATION)
            elif action == "rotate":
                to_class = SchoolClass.objects.filter(pk=request.POST.get("school_class") or 0).first()
                if to_class is None:
                    raise UserError(_("Choose a class."), code="no_class")
                outcome = corners.rotate(batch, to_class, due_on=_date(request.POST.get("due_on")),
                                         actor=request.user, role=Role.CIRCULATION)
                _report(request, outcome)
                return redirect("circ-corners-batch", code=code, pk=outcome.batch.pk)
            else:
                raise UserError(_("Unknown action."), code="invalid_action")
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            _report(request, outcome)
        return redirect("circ-corners-batch", code=code, pk=batch.pk)
    return render(request, "circulation/corners/batch.html", {
        "library": request.library, "batch": batch, "loans": batch.loans.select_related("item__holdings__instance")
        .order_by("status", "item__barcode"), "classes": _classes().exclude(pk=batch.school_class_id)})


@login_required
@require_GET
def class_corner(request, code, pk):
    _check(request)
    school_class = get_object_or_404(SchoolClass.objects.select_related("teacher"), pk=pk)
    return render(request, "circulation/corners/class.html", {
        "library": request.library, "school_class": school_class,
        "batches": corners.open_batches(school_class), "loans": corners.open_corner_loans(school_class),
        "past": CornerBatch.objects.filter(school_class=school_class, status=CornerBatch.Status.RETURNED)[:20]})


# --- Overdues -------------------------------------------------------------------------------

@login_required
@require_GET
def overdue_list(request, code):
    """All classes' overdue lists (``?school_class=`` one class), printable one class per page."""
    _check(request)
    day = _date(request.GET.get("on")) or timezone.localdate()
    school_class = None
    if (request.GET.get("school_class") or "").isdigit():
        school_class = get_object_or_404(SchoolClass, pk=request.GET["school_class"])
    return render(request, "circulation/corners/overdues.html", {
        "library": request.library, "day": day, "school_class": school_class, "classes": _classes(),
        "groups": overdues.overdue_by_class(day, school_class=school_class)})


@login_required
@require_POST
def overdue_remind(request, code):
    _check(request)
    report = overdues.send_reminders(library_name=request.library.name)
    messages.success(request, _("Reminders sent to %(classes)s class(es) about %(loans)s loan(s).") % {
        "classes": len(report.sent), "loans": report.loans})
    if report.no_address:
        messages.warning(request, _("%(count)s class(es) have overdue books but no teacher's e-mail address.") % {
            "count": len(report.no_address)})
    if report.failed:
        messages.error(request, _("%(count)s e-mail(s) could not be sent.") % {"count": len(report.failed)})
    return redirect("circ-corners-overdues", code=code)


# --- Charges --------------------------------------------------------------------------------

def _ledger(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    return charges.ledger(status=status if status in Charge.Status.values else "",
                          kind=kind if kind in Charge.Kind.values else "")


@login_required
@require_http_methods(["GET", "POST"])
def charge_list(request, code):
    _check(request)
    if request.method == "POST":
        try:
            charge = charges.charge_item(request.POST.get("barcode", ""), request.POST.get("kind", ""),
                                         actor=request.user, role=Role.CIRCULATION, note=request.POST.get("note", ""))
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Charge %(pk)s recorded: %(amount)s.") % {"pk": charge.pk,
                                                                               "amount": charge.amount})
        return redirect("circ-corners-charges", code=code)
    ledger = _ledger(request)
    totals = charges.totals(ledger)
    total_rows = [(value, label, totals.counts[value], totals.amounts[value]) for value, label in Charge.Status.choices]
    return render(request, "circulation/corners/charges.html", {
        "library": request.library, "charges": ledger[:500], "total_rows": total_rows,
        "statuses": Charge.Status.choices, "kinds": Charge.Kind.choices, "status": request.GET.get("status", ""),
        "kind": request.GET.get("kind", ""), "policy": charges.CirculationPolicy.current()})


@login_required
@require_GET
def charge_export(request, code):
    _check(request)
    return csv_response(charges.ledger_csv(_ledger(request)), request.library.code)


@login_required
@require_POST
def charge_action(request, code, pk):
    _check(request)
    charge = get_object_or_404(Charge, pk=pk)
    action, note = request.POST.get("action"), request.POST.get("note", "")
    try:
        if action == "pay":
            charges.pay(charge, actor=request.user, role=Role.CIRCULATION, note=note)
        elif action == "waive":
            charges.waive(charge, reason=note, actor=request.user, role=Role.CIRCULATION)
        elif action == "replace":
            charges.replacement_received(charge, actor=request.user, role=Role.CIRCULATION, note=note)
        else:
            raise UserError(_("Unknown action."), code="invalid_action")
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Charge %(pk)s: %(status)s.") % {"pk": charge.pk,
                                                                     "status": charge.get_status_display()})
    return redirect("circ-corners-charges", code=code)


urlpatterns = [
    path("corners/", corner_list, name="circ-corners-list"),
    path("corners/<int:pk>/", batch_detail, name="circ-corners-batch"),
    path("corners/classes/<int:pk>/", class_corner, name="circ-corners-class"),
    path("overdues/", overdue_list, name="circ-corners-overdues"),
    path("overdues/remind/", overdue_remind, name="circ-corners-remind"),
    path("charges/", charge_list, name="circ-corners-charges"),
    path("charges/export/", charge_export, name="circ-corners-charge-export"),
    path("charges/<int:pk>/", charge_action, name="circ-corners-charge"),
]
