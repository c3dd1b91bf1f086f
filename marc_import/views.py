"""Web pages of one member library: upload a MARC file, watch its job, see and fix rejected records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import UserError
from marc_import.mapping.holdings import profiles
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.records import ENCODINGS, FORMATS
from marc_import.services import jobs
from tenants.models import Role
from tenants.services import access


def _check(request) -> None:
    if not access.has_role(request.user, request.library, Role.CATALOGUER):
        raise PermissionDenied


@login_required
def job_list(request, code):
    _check(request)
    if request.method == "POST":
        try:
            job = jobs.queue_upload(
                request.library, request.FILES.get("file"), format=request.POST.get("format", "auto"),
                encoding=request.POST.get("encoding", "auto"), profile=request.POST.get("profile") or None,
                user=request.user,
            )
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The file was received; the import has started."))
            return redirect("marc-import-web-job", code=code, pk=job.pk)
    return render(request, "marc_import/job_list.html", {
        "library": request.library, "jobs": ImportJob.objects.all()[:50], "formats": FORMATS,
        "encodings": ENCODINGS, "profiles": ["auto", "none", *profiles()],
    })


def _job_context(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return {"library": request.library, "job": job,
            "quarantined": QuarantinedRecord.objects.filter(job=job).order_by("position")[:500]}


@login_required
def job_detail(request, code, pk):
    _check(request)
    return render(request, "marc_import/job_detail.html", _job_context(request, pk))


@login_required
def job_status(request, code, pk):
    """The status block alone, polled by htmx while the job runs."""
    _check(request)
    return render(request, "marc_import/_job_status.html", _job_context(request, pk))


@login_required
def quarantined_raw(request, code, pk):
    _check(request)
    record = get_object_or_404(QuarantinedRecord, pk=pk)
    response = HttpResponse(bytes(record.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{record.filename()}"'
    return response


@login_required
@require_POST
def resubmit(request, code, pk):
    _check(request)
    record = get_object_or_404(QuarantinedRecord, pk=pk)
    upload = request.FILES.get("file")
    try:
        job = jobs.resubmit(request.library, record.pk, upload.read() if upload else None, user=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
        return redirect("marc-import-web-job", code=code, pk=record.job_id)
    if job.rejected:
        messages.error(request, _("The record was rejected again; see the reason below."))
    else:
        messages.success(request, _("The record was imported."))
    return redirect("marc-import-web-job", code=code, pk=job.pk)
