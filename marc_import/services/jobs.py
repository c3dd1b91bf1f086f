"""Upload -> queued ImportJob -> processed by a worker; and re-submitting quarantined records."""

from __future__ import annotations

import io
import logging

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.exceptions import NotFound
from marc_import.exceptions import BadOption
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.services.importer import check_options, import_file
from marc_import.services.job_status import claim_job, fail_job
from tenants.models import Library

log = logging.getLogger(__name__)


def _library(library_code: str | None) -> Library:
    if library_code:
        library = Library.objects.filter(code=library_code).first()
    else:
        library = getattr(connection, "tenant", None)
        library = library if isinstance(library, Library) else None
    if library is None:
        raise NotFound(_("No member library for this import job."))
    return library


def queue_upload(library: Library, upload, *, format: str = "auto", encoding: str = "auto",
                 profile: str | None = None, user=None) -> ImportJob:
    """Store an uploaded file as a queued ImportJob; the import runs after the transaction commits."""
    check_options(format, encoding, profile)
    if upload is None or not getattr(upload, "size", 0):
        raise BadOption(_("Choose a non-empty MARC file to upload."))
    from django.conf import settings

    if upload.size > settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024:
        raise BadOption(_("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_UPLOAD_MB})
    with tenant_context(library):
        job = ImportJob(source_name=upload.name[:500], format=format, encoding=encoding, profile=profile or "",
                        created_by_id=getattr(user, "pk", None), total_bytes=upload.size)
        job.file.save(f"{library.code}-{upload.name[-80:]}", upload, save=False)
        job.save()
        code = library.code
        job_id = job.pk

        def enqueue():
            from marc_import.tasks import run_import

            with tenant_context(library):
                run_import.delay(job_id, library_code=code)

        transaction.on_commit(enqueue)
        return job


def run_job(job_id: int, library_code: str | None = None) -> dict:
    library = _library(library_code)
    with tenant_context(library):
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None:
            raise NotFound(_("No import job %(id)s.") % {"id": job_id})
        # A redelivered task (the worker died before acknowledging it) finds the job claimed.
        if not claim_job(job, actor=_("import worker")):
            job.refresh_from_db()
            return job.counts()
        try:
            import_file(library, job.file.path, format=job.format, encoding=job.encoding,
                        profile=job.profile or None, job=job)
        except Exception:  # the job row says why; the worker must not retry a broken file forever
            log.exception("import job %s failed", job_id)
            job.refresh_from_db()
            fail_job(job, _("The import stopped unexpectedly; see the server log."))
        job.refresh_from_db()
        return job.counts()


def resubmit(library: Library, record_id: int, raw: bytes | None = None, *, user=None,
             format: str = "auto", encoding: str = "auto", profile: str | None = None) -> ImportJob:
    """Import a quarantined record again, as stored or with ``raw`` (the fixed record).

    Runs as a new small ImportJob; the quarantined record is marked resolved when that job did
    not reject it.
    """
    with tenant_context(library):
        record = QuarantinedRecord.objects.filter(pk=record_id).first()
        if record is None:
            raise NotFound(_("No quarantined record %(id)s.") % {"id": record_id})
        data = raw if raw is not None else bytes(record.raw)
        if not data.strip():
            raise BadOption(_("The fixed record is empty."))
        job = import_file(library, io.BytesIO(data), format=format, encoding=encoding, profile=profile,
                          user=user, source_name=_("resubmitted record %(pos)d of job %(job)d")
                          % {"pos": record.position, "job": record.job_id})
        if job.rejected == 0 and job.read > 0:
            record.status = QuarantinedRecord.Status.RESOLVED
            record.resolved_by_job = job
            record.save(update_fields=["status", "resolved_by_job"])
        return job
