"""The import web page: upload form, job page with progress and rejected records, no JS needed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.marc_import.conftest import FILES


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_upload_form_job_page_and_rejected_records(client, cataloguer_a, django_capture_on_commit_callbacks):
    client.force_login(cataloguer_a)
    page = client.get("/lib/alpha/imports/")
    assert page.status_code == 200 and b'type="file"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/lib/alpha/imports/", {
            "file": SimpleUploadedFile("bad_records.mrc", (FILES / "bad_records.mrc").read_bytes()),
            "format": "auto", "encoding": "auto", "profile": "auto"})
    assert resp.status_code == 302
    job_page = client.get(resp["Location"])
    body = job_page.content.decode()
    assert job_page.status_code == 200
    assert "<progress" in body and "bad_records.mrc" in body
    assert "directory" in body  # a rejection reason is shown
    assert "hx-get" not in body  # finished: no more polling
    status = client.get(resp["Location"] + "status")
    assert status.status_code == 200 and b'id="job-status"' in status.content
    listing = client.get("/lib/alpha/imports/")
    assert b"bad_records.mrc" in listing.content


@pytest.mark.django_db
def test_running_job_page_polls_with_htmx_and_has_a_plain_refresh_link(client, cataloguer_a, library_a):
    from django_tenants.utils import tenant_context

    from marc_import.models import ImportJob

    with tenant_context(library_a):
        job = ImportJob.objects.create(source_name="big.mrc", status="running", total_bytes=100, processed_bytes=40)
    client.force_login(cataloguer_a)
    body = client.get(f"/lib/alpha/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in body and "40.0" in body
    assert f'href="/lib/alpha/imports/{job.pk}/"' in body


@pytest.mark.django_db
def test_other_librarians_and_anonymous_users_are_refused(client, librarian_b, library_a):
    assert client.get("/lib/alpha/imports/").status_code == 302  # to the login page
    client.force_login(librarian_b)
    assert client.get("/lib/alpha/imports/").status_code == 403
