"""A library's ILL settings (its administrator) and its ILL figures (its ILL staff)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ill.iso18626 import codes
from ill.models import IllRequest, LibraryIllSettings, RotaEntry, Supply
from ill.web.common import admin_library, staff_library
from ill.web.forms import SettingsForm
from ill.workflow import REQUESTER, SUPPLIER


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request, code):
    library = admin_library(request, code)
    current = LibraryIllSettings.for_library(library)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The ILL settings are saved."))
        return redirect("ill-settings", code=library.code)
    return render(request, "ill/settings.html", {"library": library, "form": form})


def _reason_label(code: str) -> str:
    for open_list in (codes.REASONS_UNFILLED, codes.REASONS_RETRY):
        if code in open_list:
            return str(codes.label(open_list, code))
    return str(dict(RotaEntry.Outcome.choices).get(code, code))


def _stages(stages: dict, workflow) -> list[dict]:
    return [{"state": state, "label": workflow.label(state), **values} for state, values in stages.items()]


@login_required
@require_http_methods(["GET"])
def figures_page(request, code):
    """Requests made and received, fill rates, time in each stage, turnaround, reasons unfilled, stuck."""
    from ill.services import figures

    library = staff_library(request, code)
    today = timezone.localdate()
    end = parse_date(request.GET.get("to", "") or "") or today
    start = parse_date(request.GET.get("from", "") or "") or (end - dt.timedelta(days=89))
    if start > end:
        start, end = end, start
    found = figures.library_figures(library, start=start, end=end)
    borrowing, lending = found["borrowing"], found["lending"]
    context = {
        "library": library, "start": start, "end": end, "figures": found,
        "borrowing_states": [(IllRequest.Status(s).label if s in IllRequest.Status.values else s, n)
                             for s, n in borrowing["by_status"].items()],
        "lending_states": [(Supply.Status(s).label if s in Supply.Status.values else s, n)
                           for s, n in lending["by_status"].items()],
        "borrowing_stages": _stages(borrowing["stages"], REQUESTER),
        "lending_stages": _stages(lending["stages"], SUPPLIER),
        "borrowing_reasons": [(code, _reason_label(code), n) for code, n in borrowing["unfilled_reasons"].items()],
        "lending_reasons": [(code, _reason_label(code), n) for code, n in lending["unfilled_reasons"].items()],
    }
    return render(request, "ill/figures.html", context)
