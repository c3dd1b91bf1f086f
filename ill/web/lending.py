"""The lending library's ILL pages: incoming requests, answers, pull slips, the scan page.

A lender sees the borrowing library and its request number, never a reader: nothing here reads
the borrower's schema. ``/ill/lib/<code>/lending/`` is the queue by stage; one supply has the
answer form and the buttons its state allows (recall, lost, compensated, check-in); pull slips
come as one PDF; the scan page picks, ships and checks in by barcode like the circulation desk
(the focus stays in the field, Enter submits; with htmx only the result is swapped).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import UserError
from ill.iso18626 import codes
from ill.models import Supply
from ill.web.common import age_days, readable_history, staff_library, stuck_days
from ill.web.forms import AnswerForm
from ill.workflow import SUPPLIER, SUPPLIER_FINAL

S = Supply.Status

TABS = {
    "incoming": (gettext_lazy("To answer"), (S.NEW, S.EXPECT_TO_SUPPLY, S.CONDITION_PENDING)),
    "pull": (gettext_lazy("To take from the shelf"), (S.WILL_SUPPLY, S.PULL_SLIP_PRINTED)),
    "ship": (gettext_lazy("To ship"), (S.AWAITING_SHIPPING,)),
    "on_loan": (gettext_lazy("On loan"), (S.LOANED, S.OVERDUE, S.RECALLED, S.RETURN_SHIPPED)),
    "lost": (gettext_lazy("Lost"), (S.LOST,)),
    "done": (gettext_lazy("Done"), tuple(sorted(SUPPLIER_FINAL))),
}
QUEUE_SIZE = 200
ANSWERABLE = frozenset({S.NEW, S.EXPECT_TO_SUPPLY})
PICKABLE = frozenset(SUPPLIER.action("pick").sources)
SHIPPABLE = frozenset(SUPPLIER.action("ship").sources)
CHECK_IN = frozenset(SUPPLIER.action("check_in").sources)
# Buttons of one supply besides the answer form and the scans.
BUTTONS = ("recall", "declare_lost", "compensated", "check_in")


def _service(name):
    from ill.services import lending

    return {"recall": lending.recall, "declare_lost": lending.declare_lost, "compensated": lending.compensated,
            "check_in": lending.check_in, "ship": lending.ship, "pick": lending.pick}[name]


def supply_actions(supply: Supply) -> list[dict]:
    allowed = set(SUPPLIER.allowed_actions(supply.status, supply))
    return [{"name": name, "label": SUPPLIER.action(name).label} for name in BUTTONS if name in allowed]


@login_required
@require_http_methods(["GET"])
def queue(request, code):
    library = staff_library(request, code)
    counts = dict(Supply.objects.filter(lender=library).values_list("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    tab = request.GET.get("tab")
    if tab not in TABS:
        tab = next((key for key, (_label, states) in TABS.items()
                    if key != "done" and any(counts.get(s) for s in states)), "incoming")
    states = TABS[tab][1]
    order = ("-status_changed_at", "-pk") if tab == "done" else ("status_changed_at", "pk")
    items = Supply.objects.filter(lender=library, status__in=states).select_related(
        "borrower", "requester_peer").order_by(*order)[:QUEUE_SIZE]
    limit = stuck_days()
    rows = [{"supply": s, "age": age_days(s.status_changed_at),
             "stuck": s.status not in SUPPLIER_FINAL and age_days(s.status_changed_at) > limit} for s in items]
    tabs = [{"key": key, "label": label, "count": sum(counts.get(s, 0) for s in tab_states), "current": key == tab}
            for key, (label, tab_states) in TABS.items()]
    return render(request, "ill/lending/queue.html", {
        "library": library, "tab": tab, "tabs": tabs, "rows": rows, "stuck_days": limit,
        "printable": tab == "pull"})


def _supply_or_404(library, pk) -> Supply:
    supply = Supply.objects.filter(pk=pk, lender=library).select_related("borrower", "requester_peer").first()
    if supply is None:
        raise Http404
    return supply


@login_required
@require_http_methods(["GET"])
def detail(request, code, pk):
    library = staff_library(request, code)
    supply = _supply_or_404(library, pk)
    return render(request, "ill/lending/detail.html", _detail_context(library, supply, AnswerForm()))


def _detail_context(library, supply, form) -> dict:
    return {
        "library": library, "supply": supply, "status_label": SUPPLIER.label(supply.status),
        "answerable": supply.status in ANSWERABLE, "form": form,
        "reason_label": codes.label(codes.REASONS_UNFILLED, supply.reason_unfilled) if supply.reason_unfilled
        else (codes.label(codes.REASONS_RETRY, supply.reason_retry) if supply.reason_retry else ""),
        "condition_label": codes.label(codes.LOAN_CONDITIONS, supply.loan_condition) if supply.loan_condition else "",
        "actions": supply_actions(supply),
        "pickable": supply.status in PICKABLE, "shippable": supply.status in SHIPPABLE,
        "history": readable_history(supply.status_changes.order_by("at", "pk"), SUPPLIER),
        "messages_exchanged": supply.messages.order_by("created_at", "pk"),
        "stuck": supply.status not in SUPPLIER_FINAL and age_days(supply.status_changed_at) > stuck_days(),
    }


@login_required
@require_POST
def answer(request, code, pk):
    """The lender's answer: will supply, expect to supply, unfilled or retry with a reason, a condition."""
    from ill.services import lending

    library = staff_library(request, code)
    supply = _supply_or_404(library, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return render(request, "ill/lending/detail.html", _detail_context(library, supply, form), status=400)
    data = form.cleaned_data
    try:
        lending.answer(supply, data["decision"], reason=data.get("reason", ""), note=data.get("note", ""),
                       condition=data.get("condition", ""), actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Supply %(number)s answered.") % {"number": supply.number})
    return redirect("ill-supply-detail", code=library.code, pk=supply.pk)


@login_required
@require_POST
def act(request, code, pk):
    """One button of a supply: recall, declare lost, compensation received, check in, pick, ship."""
    library = staff_library(request, code)
    supply = _supply_or_404(library, pk)
    name = request.POST.get("action", "")
    allowed = {a["name"] for a in supply_actions(supply)}
    if supply.status in PICKABLE:
        allowed.add("pick")
    if supply.status in SHIPPABLE:
        allowed.add("ship")
    if name not in allowed:
        messages.error(request, _("That cannot be done to this supply now."))
        return redirect("ill-supply-detail", code=library.code, pk=supply.pk)
    barcode = request.POST.get("barcode", "").strip()[:60]
    try:
        if name == "compensated":
            try:
                amount = Decimal(request.POST.get("amount", "").strip() or "x")
            except InvalidOperation:
                raise UserError(_("Give the amount received, e.g. 35.00.")) from None
            _service(name)(supply, amount=amount, actor=request.user)
        elif name == "pick":
            _service(name)(supply, barcode, actor=request.user)
        elif name in ("ship", "check_in"):
            _service(name)(supply, barcode=barcode or None, actor=request.user)
        else:
            _service(name)(supply, actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Supply %(number)s: %(action)s — done.") % {
            "number": supply.number, "action": SUPPLIER.action(name).label})
    return redirect("ill-supply-detail", code=library.code, pk=supply.pk)


@login_required
@require_POST
def pull_slips(request, code):
    """One PDF of pull slips: the supplies ticked, or every one waiting to be taken from the shelf."""
    from ill.services import lending

    library = staff_library(request, code)
    ids = [int(i) for i in request.POST.getlist("supply") if i.isdigit()]
    supplies = None
    if ids:
        supplies = list(Supply.objects.filter(lender=library, pk__in=ids))
    try:
        pdf = lending.pull_slips(library, supplies, actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("ill-lending", args=[library.code]) + "?tab=pull")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="pull-slips-{library.code}.pdf"'
    return response


# --- The scan page -----------------------------------------------------------------------------

SCAN_MODES = {
    "pick": gettext_lazy("Take from the shelf"),
    "ship": gettext_lazy("Ship"),
    "checkin": gettext_lazy("Check in returns"),
}


class ScanResult:
    def __init__(self, code: str, message: str, supply: Supply | None = None):
        self.code, self.message, self.supply = code, message, supply
        self.done = code == "ok"


def _find(library, scan: str, states):
    found = Supply.objects.filter(lender=library, status__in=states)
    by_number = found.filter(number=scan).first()
    if by_number is not None:
        return by_number, False
    return found.filter(item_barcode=scan).order_by("-pk").first(), True


def _scan(request, library, mode: str, current: str, scan: str) -> tuple[str, ScanResult]:
    """Act on one scan; returns the supply number kept for the next scan and what to show."""
    from ill.services import lending

    try:
        if mode == "pick":
            supply, by_item = _find(library, scan, PICKABLE)
            if supply is not None and not by_item:
                return supply.number, ScanResult("slip", _("%(number)s: now scan the item.") % {
                    "number": supply.number}, supply)
            if supply is None and current:
                supply = Supply.objects.filter(lender=library, number=current, status__in=PICKABLE).first()
            if supply is None:
                return "", ScanResult("not_found", _("No request waits for %(scan)s: scan the pull slip first.") % {
                    "scan": scan})
            lending.pick(supply, scan, actor=request.user)
        elif mode == "ship":
            supply, by_item = _find(library, scan, SHIPPABLE)
            if supply is None:
                return "", ScanResult("not_found", _("Nothing waits to be shipped under %(scan)s.") % {"scan": scan})
            lending.ship(supply, barcode=scan if by_item else None, actor=request.user)
        else:
            supply, by_item = _find(library, scan, CHECK_IN)
            if supply is None:
                return "", ScanResult("not_found", _("No interlibrary loan is out under %(scan)s.") % {"scan": scan})
            lending.check_in(supply, barcode=scan if by_item else None, actor=request.user)
    except UserError as exc:
        return current, ScanResult(exc.code, exc.message)
    supply.refresh_from_db()
    return "", ScanResult("ok", _("%(number)s: %(status)s.") % {
        "number": supply.number, "status": SUPPLIER.label(supply.status)}, supply)


@login_required
@require_http_methods(["GET", "POST"])
def scan_page(request, code):
    library = staff_library(request, code)
    source = request.POST if request.method == "POST" else request.GET
    mode = source.get("mode") if source.get("mode") in SCAN_MODES else "pick"
    current = source.get("current", "").strip()[:20] if request.method == "POST" else ""
    result = None
    if request.method == "POST":
        scan = "".join(ch for ch in request.POST.get("scan", "") if ch.isprintable()).strip()[:60]
        if scan:
            current, result = _scan(request, library, mode, current, scan)
    context = {"library": library, "mode": mode, "modes": SCAN_MODES, "current": current, "result": result}
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    return render(request, "ill/lending/_scan_state.html" if partial else "ill/lending/scan.html", context)
