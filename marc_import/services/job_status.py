"""Moving an import job through its table: claim, finish, fail (run in the library's schema)."""

from __future__ import annotations

from django.utils import timezone

from core.exceptions import Conflict
from core.workflow import transition
from marc_import.models import ImportJob, ImportJobStatusChange
from marc_import.workflow import IMPORT_JOB


def claim_job(job: ImportJob, *, actor=None) -> bool:
    """queued -> running. False when the job is no longer queued: another delivery has it."""
    try:
        transition(job, IMPORT_JOB, "claim", audit=ImportJobStatusChange, expected=ImportJob.Status.QUEUED,
                   actor=actor, values={"started_at": timezone.now()})
    except Conflict:
        return False
    return True


def finish_job(job: ImportJob) -> None:
    transition(job, IMPORT_JOB, "finish", audit=ImportJobStatusChange,
               values={"processed_bytes": job.total_bytes, "finished_at": timezone.now()})


def fail_job(job: ImportJob, error: str) -> bool:
    """Mark the job failed with ``error``; False if it had already ended (the first outcome stands)."""
    try:
        transition(job, IMPORT_JOB, "fail", audit=ImportJobStatusChange, note=error[:2000],
                   values={"error": error[:2000], "finished_at": timezone.now()})
    except Conflict:
        return False
    return True
