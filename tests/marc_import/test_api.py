"""The import API: upload with a Celery task (eager here), job status, quarantine list/download,
re-submission of a fixed record, export, and who may see what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from marc_import.models import QuarantinedRecord
from tenants.catalogue.models import Instance
from tests.marc_import.conftest import FILES


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, code, name, **extra):
    data = {"file": SimpleUploadedFile(name, (FILES / name).read_bytes()), **extra}
    return client.post(f"/api/v1/libraries/{code}/imports/", data, format="multipart")


@pytest.mark.django_db
def test_upload_runs_the_job_and_reports_status(api_as, cataloguer_a, django_capture_on_commit_callbacks):
    client = api_as(cataloguer_a)
    with django_capture_on_commit_callbacks(execute=True):
        resp = upload(client, "alpha", "sample_cnmarcxml.DERIVED.gb18030.iso")
    assert resp.status_code == 202, resp.content
    assert resp.json()["status"] == "queued"
    job_id = resp.json()["id"]
    status = client.get(f"/api/v1/libraries/alpha/imports/{job_id}/").json()
    assert status["status"] == "done" and status["progress"] == 100.0
    assert (status["read"], status["created"], status["rejected"]) == (10, 10, 0)
    assert status["items_created"] > 0
    listing = client.get("/api/v1/libraries/alpha/imports/").json()
    assert [j["id"] for j in listing["results"]] == [job_id]


@pytest.mark.django_db
def test_quarantine_list_download_and_resubmit(api_as, cataloguer_a, library_a, django_capture_on_commit_callbacks):
    client = api_as(cataloguer_a)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(client, "alpha", "utf8_invalid.mrc").json()["id"]
    status = client.get(f"/api/v1/libraries/alpha/imports/{job_id}/").json()
    assert (status["read"], status["rejected"]) == (1, 1)
    records = client.get(status["quarantine_url"]).json()["results"]
    assert len(records) == 1
    assert "260" in records[0]["reason"] and records[0]["position"] == 1
    raw = client.get(records[0]["download_url"])
    assert raw.status_code == 200 and raw.content == (FILES / "utf8_invalid.mrc").read_bytes().strip(b"\n")
    whole = client.get(f"/api/v1/libraries/alpha/imports/{job_id}/quarantine.mrc")
    assert whole.content == raw.content
    # The same bytes fail again; a fixed record (read as Latin-1 text, written as UTF-8) goes in.
    again = client.post(f"/api/v1/libraries/alpha/imports/quarantine/{records[0]['id']}/resubmit/", {})
    assert again.status_code == 200 and again.json()["rejected"] == 1
    fixed = client.post(
        f"/api/v1/libraries/alpha/imports/quarantine/{records[0]['id']}/resubmit/",
        {"file": SimpleUploadedFile("fixed.mrc", (FILES / "test.dat").read_bytes()[:755])}, format="multipart",
    )
    assert fixed.status_code == 200 and fixed.json()["created"] == 1
    with tenant_context(library_a):
        assert QuarantinedRecord.objects.get(pk=records[0]["id"]).status == "resolved"


@pytest.mark.django_db
def test_bad_uploads_are_4xx(api_as, cataloguer_a):
    client = api_as(cataloguer_a)
    assert upload(client, "alpha", "test.dat", format="mods").status_code == 400
    assert upload(client, "alpha", "test.dat", profile="nope").status_code == 400
    empty = client.post("/api/v1/libraries/alpha/imports/", {"file": SimpleUploadedFile("e.mrc", b"")},
                        format="multipart")
    assert empty.status_code == 400
    assert client.get("/api/v1/libraries/alpha/imports/999/").status_code == 404


@pytest.mark.django_db
def test_librarian_of_another_library_cannot_see_or_upload(api_as, cataloguer_a, librarian_b, library_b,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api_as(cataloguer_a), "alpha", "test.dat").json()["id"]
    other = api_as(librarian_b)
    assert other.get(f"/api/v1/libraries/alpha/imports/{job_id}/").status_code == 403
    assert other.get("/api/v1/libraries/alpha/imports/").status_code == 403
    assert upload(other, "alpha", "test.dat").status_code == 403
    # In their own library the job id does not exist.
    assert other.get(f"/api/v1/libraries/beta/imports/{job_id}/").status_code == 404


@pytest.mark.django_db
def test_anonymous_is_refused(api):
    assert api.get("/api/v1/libraries/alpha/imports/").status_code in (401, 403, 404)


@pytest.mark.django_db
def test_export_endpoint_returns_the_record(api_as, cataloguer_a, library_a, django_capture_on_commit_callbacks):
    client = api_as(cataloguer_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "alpha", "sample_cnmarcxml.DERIVED.gb18030.iso")
    with tenant_context(library_a):
        pk = Instance.objects.get(control_number="990002180740203961").pk
    iso = client.get(f"/api/v1/libraries/alpha/imports/export/instances/{pk}/")
    assert iso.status_code == 200 and "'94中国发展报告".encode() in iso.content
    xml = client.get(f"/api/v1/libraries/alpha/imports/export/instances/{pk}/?as=marcxml")
    assert b"<leader>" in xml.content and "中国统计出版社".encode() in xml.content
