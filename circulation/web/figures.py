"""The school's figures page (/lib/<code>/figures/): a period chooser, each table with a chart.

For the library's own circulation staff and administrator only. The tables are the page's truth
and work without JavaScript; the charts beside them are drawn by ECharts (shipped with the
project) from the same figures, given to the page as a JSON block. Exports are the API's.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from circulation.exceptions import UserError
from circulation.services import figures
from tenants.models import Role
from tenants.services import access

# Keys of the summary given as a share (shown as a percentage).
SHARES = ("card_share", "borrower_share")


def _check(request) -> None:
    if not access.has_own_role(request.user, request.library, Role.CIRCULATION, Role.LIBRARY_ADMIN):
        raise PermissionDenied


def _period(request) -> tuple[figures.Period, str]:
    """The period asked for, else the default one with the reason it was refused."""
    params = request.GET
    try:
        period = figures.period_for(term=params.get("term"), year=params.get("year"),
                                    school_year=params.get("school_year"), date_from=params.get("from"),
                                    date_to=params.get("to"))
        return period, ""
    except UserError as exc:
        return figures.period_for(), exc.message


def _period_query(period: figures.Period) -> str:
    query = QueryDict(mutable=True)
    if period.kind == "term":
        query["term"] = period.term_id
    else:
        query["from"], query["to"] = period.starts_on.isoformat(), period.ends_on.isoformat()
    return query.urlencode()


def _chart_data(data: dict) -> dict:
    """What the charts draw: the figures themselves and the names of their series."""
    shares = [f for f in data["summary"] if f["key"] in SHARES]
    return {
        "shares": {"names": [f["label"] for f in shares],
                   "values": [None if f["value"] is None else round(f["value"] * 100, 1) for f in shares]},
        "grades": {"names": [g["label"] for g in data["grades"]], "loans": [g["loans"] for g in data["grades"]],
                   "corner_loans": [g["corner_loans"] for g in data["grades"]],
                   "per_student": [g["loans_per_student"] for g in data["grades"]]},
        "classes": {"names": [c["label"] for c in data["classes"]], "loans": [c["loans"] for c in data["classes"]],
                    "corner_loans": [c["corner_loans"] for c in data["classes"]],
                    "per_student": [c["loans_per_student"] for c in data["classes"]]},
        "titles": {"names": [t["title"] for t in data["titles"]], "loans": [t["loans"] for t in data["titles"]]},
        "series": {"loans": _("Loans by students"), "corner_loans": _("Class corner loans"),
                   "per_student": _("Loans per student"), "share": _("Share (%)"), "titles": _("Loans")},
    }


@login_required
def figures_page(request, code):
    _check(request)
    period, error = _period(request)
    data = figures.school_figures(request.library, period)
    for figure in data["summary"]:
        figure["share"] = figure["key"] in SHARES
    return render(request, "circulation/figures/figures.html", {
        "library": request.library, "figures": data, "period": period, "error": error,
        "terms": figures.terms(), "export_query": _period_query(period), "tables": figures.TABLES,
        "chart_data": _chart_data(data), "chosen": request.GET,
    }, status=400 if error else 200)


urlpatterns = [
    path("figures/", figures_page, name="circ-figures"),
]
