"""Celery tasks: thin wrappers that take ids and call the import services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="marc_import.tasks.run_import")
def run_import(job_id: int, library_code: str | None = None) -> dict:
    """Process an uploaded ImportJob in the library's schema (the task carries the schema)."""
    from marc_import.services.jobs import run_job

    return run_job(job_id, library_code=library_code)
