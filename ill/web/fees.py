"""The statements page: pairs of libraries and net balances for a month or a year, with downloads.

Open to a library's administrator and ILL staff (their own library's pairs) and to coordinators
(the libraries of their regions); a plain form chooses the period, no script needed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.exceptions import PermissionDenied, UserError
from ill.models import SubsidyRule
from ill.services import fees

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _document(request) -> dict:
    p = request.GET
    try:
        return fees.statement_for(request.user, year=p.get("year"), month=p.get("month"),
                                  library_code=p.get("library", ""))
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc


@require_GET
@login_required
def statements(request):
    libraries = list(fees.statement_libraries(request.user).order_by("code"))
    if not libraries:
        raise DjangoPermissionDenied
    error, document = "", None
    try:
        document = _document(request)
    except UserError as exc:
        error = exc.message
    year = document["year"] if document else timezone.localdate().year
    context = {
        "document": document, "error": error, "libraries": libraries, "months": range(1, 13),
        "chosen": {"year": year, "month": document["month"] if document else None,
                   "library": request.GET.get("library", "")},
        "query": request.GET.urlencode(),
        "schedule": fees.schedule(timezone.localdate()),
        "rules": SubsidyRule.objects.filter(year=year).select_related("region").order_by("name"),
    }
    return render(request, "ill/fees/statements.html", context, status=400 if error else 200)


def _download(request, extension: str) -> HttpResponse:
    try:
        document = _document(request)
    except UserError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    if extension == "csv":
        response = HttpResponse(fees.export_csv(document), content_type=CSV_TYPE)
    else:
        response = HttpResponse(fees.export_xlsx(document), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{fees.export_filename(document, extension)}"'
    return response


@require_GET
@login_required
def statements_csv(request):
    return _download(request, "csv")


@require_GET
@login_required
def statements_xlsx(request):
    return _download(request, "xlsx")
