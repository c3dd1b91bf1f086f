"""A redelivered import task never runs an import twice: exactly one delivery claims the job."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from marc_import.models import ImportJob, ImportJobStatusChange
from marc_import.services.job_status import claim_job
from marc_import.tasks import run_import
from tests.concurrency import race
from tests.marc_import.conftest import FILES

SAMPLE = "sample_cnmarcxml.DERIVED.gb18030.iso"  # ten records


def queued_job(library) -> int:
    with tenant_context(library):
        job = ImportJob(source_name=SAMPLE)
        job.file.save(f"{library.code}-{SAMPLE}", ContentFile((FILES / SAMPLE).read_bytes()), save=False)
        job.total_bytes = job.file.size
        job.save()
        return job.pk


@pytest.mark.django_db(transaction=True)
def test_of_two_claims_on_a_queued_job_exactly_one_succeeds(library_a):
    job_id = queued_job(library_a)

    def claim(barrier):
        with tenant_context(library_a):
            job = ImportJob.objects.get(pk=job_id)
            barrier.wait()  # both have seen "queued"
            return claim_job(job, actor="worker")

    results = race(claim, claim)

    assert sorted(results) == [False, True], results
    with tenant_context(library_a):
        job = ImportJob.objects.get(pk=job_id)
        assert job.status == "running" and job.started_at is not None
        audit = list(ImportJobStatusChange.objects.values_list("subject_id", "from_state", "to_state", "action"))
    assert audit == [(job_id, "queued", "running", "claim")]


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_the_import_task_import_the_file_once(library_a):
    from tenants.catalogue.models import Instance

    job_id = queued_job(library_a)

    def deliver(barrier):
        barrier.wait()
        return run_import(job_id, library_code=library_a.code)

    results = race(deliver, deliver)

    assert not [r for r in results if isinstance(r, Exception)], results
    with tenant_context(library_a):
        job = ImportJob.objects.get(pk=job_id)
        assert (job.status, job.read, job.created) == ("done", 10, 10)
        assert Instance.objects.count() == 10
        actions = list(ImportJobStatusChange.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["claim", "finish"]
