"""Stock pages of one library: stocktakes and their scanner, weeding, the ledgers, and the
circulation settings (loan matrix, calendar, policy).

Stocktakes, weeding and ledgers are for the library's own circulation staff and cataloguers;
the scanner also for its student helpers. The settings are the administrator's to change and
the circulation staff's to read. Every page works without JavaScript; htmx only keeps the
scanner from reloading.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from circulation.exceptions import UserError
from circulation.models import CalendarPeriod, CirculationPolicy, LoanRule, Reader, Stocktake, Withdrawal
from circulation.services import desk, ledgers
from circulation.services import settings as circ_settings
from circulation.services import stocktake as stocktakes
from tenants.catalogue.models import MaterialType
from tenants.models import Role
from tenants.services import access

T = "circulation/stock/"


def _require(request, *roles) -> None:
    if not access.has_own_role(request.user, request.library, *roles):
        raise PermissionDenied


def _staff(request) -> None:
    _require(request, Role.CIRCULATION, Role.CATALOGUER)


def _context(request, **extra) -> dict:
    library = request.library
    return {"library": library, "is_admin": access.has_own_role(request.user, library, Role.LIBRARY_ADMIN),
            **extra}


def _download(body: bytes, mime: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export(request, name, title, headers, rows) -> HttpResponse:
    kind = request.GET.get("as", "csv")
    try:
        body, mime = ledgers.export(kind, title, headers, rows)
    except UserError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return _download(body, mime, f"{name}.{kind}")


def _year(request) -> int | None:
    value = request.GET.get("year", "").strip()
    return int(value) if value.isdigit() and 1 <= int(value) <= 9999 else None


def _text(request, name: str) -> str:
    return request.GET.get(name, "").replace("\x00", "").strip()


# --- Stocktakes ---------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def stocktake_list(request, code):
    _staff(request)
    if request.method == "POST":
        try:
            stocktake = stocktakes.start(request.POST.get("name", ""), location=request.POST.get("location", ""),
                                         actor=request.user)
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The stocktake has started; the items expected are frozen."))
            return redirect("circ-stock-stocktake", code=code, pk=stocktake.pk)
    from tenants.catalogue.models import HoldingsRecord

    locations = (HoldingsRecord.objects.exclude(location="").values_list("location", flat=True)
                 .distinct().order_by("location"))
    return render(request, T + "stocktakes.html", _context(
        request, stocktakes=Stocktake.objects.all()[:100], locations=list(locations)))


@login_required
@require_GET
def stocktake_report(request, code, pk):
    _staff(request)
    stocktake = get_object_or_404(Stocktake, pk=pk)
    return render(request, T + "report.html", _context(request, stocktake=stocktake,
                                                        report=stocktakes.report(stocktake)))


@login_required
@require_GET
def stocktake_export(request, code, pk):
    _staff(request)
    report = stocktakes.report(get_object_or_404(Stocktake, pk=pk))
    return _export(request, f"stocktake-{pk}", report.stocktake.name, stocktakes.report_headers(),
                   stocktakes.report_rows(report))


@login_required
@require_POST
def stocktake_mark_missing(request, code, pk):
    _staff(request)
    result = stocktakes.mark_missing(get_object_or_404(Stocktake, pk=pk), actor=request.user)
    messages.success(request, _("%(marked)s item(s) marked missing; %(skipped)s skipped.") % {
        "marked": len(result.marked), "skipped": len(result.skipped)})
    for line in result.skipped:
        messages.warning(request, _("Skipped %(barcode)s: %(reason)s") % line)
    return redirect("circ-stock-stocktake", code=code, pk=pk)


@login_required
@require_POST
def stocktake_close(request, code, pk):
    _staff(request)
    try:
        stocktakes.close(get_object_or_404(Stocktake, pk=pk), actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    return redirect("circ-stock-stocktake", code=code, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def stocktake_scan(request, code, pk):
    """The scanner: the shelf label stays, the barcode field empties and keeps the focus."""
    _require(request, Role.DESK_HELPER, Role.CATALOGUER)
    stocktake = get_object_or_404(Stocktake, pk=pk)
    outcome, shelf = None, request.GET.get("shelf", "")
    if request.method == "POST":
        shelf = request.POST.get("shelf", "").strip()
        try:
            outcome = stocktakes.scan(stocktake, request.POST.get("barcode", ""), shelf=shelf, actor=request.user,
                                      role=desk.desk_role(request.user, request.library))
        except UserError as exc:
            outcome = stocktakes.ScanOutcome(exc.code, exc.message, request.POST.get("barcode", ""), shelf)
    recent = stocktake.scans.order_by("-scanned_at", "-id")[:10]
    context = _context(request, stocktake=stocktake, outcome=outcome, shelf=shelf, recent=recent,
                       scanned=stocktake.scans.values("barcode").distinct().count(),
                       can_report=access.has_own_role(request.user, request.library, Role.CIRCULATION,
                                                      Role.CATALOGUER))
    template = "_scan_form.html" if request.headers.get("HX-Request") else "scan.html"
    return render(request, T + template, context)


# --- Weeding and the ledgers ----------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def withdrawals(request, code):
    _staff(request)
    if request.method == "POST":
        try:
            result = ledgers.withdraw(request.POST.get("barcodes", ""), request.POST.get("reason", ""),
                                      note=request.POST.get("note", ""), actor=request.user)
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Withdrawal list %(batch)s: %(count)s item(s) withdrawn.") % {
                "batch": result.batch, "count": len(result.lines)})
            return redirect(reverse("circ-stock-withdrawals", args=[code]) + f"?batch={result.batch}")
    lines, totals = ledgers.withdrawal_ledger(year=_year(request), batch=_text(request, "batch"),
                                              reason=_text(request, "reason"))
    return render(request, T + "withdrawals.html", _context(
        request, lines=lines[:500], totals=totals, reasons=Withdrawal.Reason.choices,
        filters=request.GET.urlencode(), posted=request.POST))


@login_required
@require_GET
def withdrawals_export(request, code):
    _staff(request)
    lines, _totals = ledgers.withdrawal_ledger(year=_year(request), batch=_text(request, "batch"),
                                               reason=_text(request, "reason"))
    return _export(request, "withdrawals", "注销帐", ledgers.withdrawal_headers(), ledgers.withdrawal_rows(lines))


@login_required
@require_GET
def ledger_pages(request, code):
    _staff(request)
    return render(request, T + "ledgers.html", _context(
        request, summary=ledgers.summary_ledger(), classes=ledgers.class_ledger(_year(request)),
        year=_year(request) or ""))


@login_required
@require_GET
def ledger_export(request, code):
    _staff(request)
    if request.GET.get("ledger") == "classes":
        return _export(request, "accessions-by-class", "分类帐", ledgers.class_headers(),
                       ledgers.class_rows(ledgers.class_ledger(_year(request))))
    return _export(request, "accessions-summary", "总括帐", ledgers.summary_headers(),
                   ledgers.summary_rows(ledgers.summary_ledger()))


# --- Settings -------------------------------------------------------------------------------------

class LoanRuleForm(forms.ModelForm):
    class Meta:
        model = LoanRule
        fields = list(circ_settings.RULE_FIELDS)


class CalendarPeriodForm(forms.ModelForm):
    class Meta:
        model = CalendarPeriod
        fields = list(circ_settings.PERIOD_FIELDS)
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"})}


class PolicyForm(forms.ModelForm):
    class Meta:
        model = CirculationPolicy
        fields = list(circ_settings.POLICY_FIELDS)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _settings_reader(request) -> None:
    _require(request, Role.LIBRARY_ADMIN, Role.CIRCULATION)


@login_required
@require_http_methods(["GET", "POST"])
def loan_rules(request, code):
    """The loan matrix, its rules to edit (administrator), the day-one defaults and the explainer."""
    _settings_reader(request)
    if request.method == "POST":
        _require(request, Role.LIBRARY_ADMIN)
        action = request.POST.get("action", "save")
        rule = get_object_or_404(LoanRule, pk=request.POST["pk"]) if request.POST.get("pk") else None
        try:
            if action == "defaults":
                made = circ_settings.install_defaults()
                messages.success(request, _("%(count)s default rule(s) installed.") % {"count": made})
            elif action == "delete" and rule is not None:
                circ_settings.delete_rule(rule)
                messages.success(request, _("The rule was deleted."))
            else:
                form = LoanRuleForm(request.POST, instance=rule)
                if form.is_valid():
                    circ_settings.save_rule(form.cleaned_data, rule)
                    messages.success(request, _("The rule was saved."))
                else:
                    _form_errors(request, form)
        except UserError as exc:
            messages.error(request, exc.message)
        return redirect("circ-stock-rules", code=code)
    explained = None
    if request.GET.get("reader_kind") and request.GET.get("material_type"):
        try:
            explained = circ_settings.explain(request.GET["reader_kind"], request.GET["material_type"])
        except UserError as exc:
            messages.error(request, exc.message)
    return render(request, T + "rules.html", _context(
        request, matrix=circ_settings.matrix(), new_form=LoanRuleForm(), explained=explained,
        reader_kinds=Reader.Kind.choices, material_types=MaterialType.choices,
        rule_rows=[(rule, LoanRuleForm(instance=rule, auto_id=f"rule{rule.pk}_%s"))
                   for rule in LoanRule.objects.order_by("reader_kind", "material_type")]))


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request, code):
    """The school's periods (administrator edits) and the next 60 days, open or closed and why."""
    _settings_reader(request)
    if request.method == "POST":
        _require(request, Role.LIBRARY_ADMIN)
        period = get_object_or_404(CalendarPeriod, pk=request.POST["pk"]) if request.POST.get("pk") else None
        try:
            if request.POST.get("action") == "delete" and period is not None:
                circ_settings.delete_period(period)
                messages.success(request, _("The period was deleted."))
            else:
                form = CalendarPeriodForm(request.POST, instance=period)
                if form.is_valid():
                    circ_settings.save_period(form.cleaned_data, period)
                    messages.success(request, _("The period was saved."))
                else:
                    _form_errors(request, form)
        except UserError as exc:
            messages.error(request, exc.message)
        return redirect("circ-stock-calendar", code=code)
    try:
        start = dt.date.fromisoformat(request.GET["start"]) if request.GET.get("start") else timezone.localdate()
    except ValueError:
        start = timezone.localdate()
    if start.year >= 9999:
        start = timezone.localdate()
    return render(request, T + "calendar.html", _context(
        request, periods=CalendarPeriod.objects.all(), new_form=CalendarPeriodForm(), kinds=CalendarPeriod.Kind.choices,
        days=circ_settings.calendar_days(start, 60), start=start))


@login_required
@require_http_methods(["GET", "POST"])
def policy(request, code):
    _settings_reader(request)
    form = PolicyForm(instance=CirculationPolicy.current())
    if request.method == "POST":
        _require(request, Role.LIBRARY_ADMIN)
        form = PolicyForm(request.POST, instance=CirculationPolicy.current())
        if form.is_valid():
            try:
                circ_settings.update_policy(form.cleaned_data)
            except UserError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The circulation policy was saved."))
                return redirect("circ-stock-policy", code=code)
    return render(request, T + "policy.html", _context(request, form=form))


P = "circ-stock-"
urlpatterns = [
    path("stocktakes/", stocktake_list, name=P + "stocktakes"),
    path("stocktakes/<int:pk>/", stocktake_report, name=P + "stocktake"),
    path("stocktakes/<int:pk>/scan/", stocktake_scan, name=P + "scan"),
    path("stocktakes/<int:pk>/export/", stocktake_export, name=P + "report-export"),
    path("stocktakes/<int:pk>/mark-missing/", stocktake_mark_missing, name=P + "mark-missing"),
    path("stocktakes/<int:pk>/close/", stocktake_close, name=P + "close"),
    path("withdrawals/", withdrawals, name=P + "withdrawals"),
    path("withdrawals/export/", withdrawals_export, name=P + "withdrawals-export"),
    path("ledgers/", ledger_pages, name=P + "ledgers"),
    path("ledgers/export/", ledger_export, name=P + "ledgers-export"),
    path("circulation/loan-rules/", loan_rules, name=P + "rules"),
    path("circulation/calendar/", calendar, name=P + "calendar"),
    path("circulation/policy/", policy, name=P + "policy"),
]
