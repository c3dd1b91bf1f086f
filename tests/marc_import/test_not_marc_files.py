"""A file that is not MARC fails its job with a message saying what it looks like.

Before, an HTML page, an empty file or a text file ended "done" with nothing imported and no
word about why.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tenants.utils import tenant_context

from marc_import.models import ImportJob
from marc_import.services.file_kind import describe_non_marc
from marc_import.services.importer import import_file
from tests.marc_import.conftest import FILES

HTML = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Session expired</title></head>"
        b"<body><p>Please log in again to export your catalogue.</p></body></html>\n")
TEXT = b"Title: The Wind in the Willows\nAuthor: Kenneth Grahame\nISBN: 9780143039099\n" * 20


MNEMONIC = b"=LDR  00714cam a2200205 a 4500\n=001  fol05731351\n=245  10$aActivePerl with ASP and ADO\n"


@pytest.fixture(autouse=True)
def _english():
    # The messages are checked by their English words.
    with translation.override("en"):
        yield


@pytest.mark.parametrize("data,words", [
    (HTML, "HTML page"),
    (b"", "empty"),
    (b"\n\n   \r\n", "blank space"),
    (TEXT, "plain text file"),
    (MNEMONIC, "MarcEdit"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "<rss>"),
])
def test_what_a_file_that_is_not_marc_looks_like_is_said(data, words):
    assert words in describe_non_marc(data)


def test_damaged_marc_is_left_to_its_records_reasons():
    assert describe_non_marc((FILES / "bad_records.mrc").read_bytes()[:4096]) is None


@pytest.mark.django_db
@pytest.mark.parametrize("data,words", [(HTML, "HTML page"), (b"", "empty"), (TEXT, "plain text file")])
def test_an_import_of_a_file_that_is_not_marc_fails_saying_what_it_looks_like(library_a, data, words):
    job = import_file(library_a, io.BytesIO(data), source_name="catalogue.mrc")
    assert job.status == ImportJob.Status.FAILED
    assert words in job.error
    with tenant_context(library_a):
        job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and words in job.error


@pytest.mark.django_db
def test_a_text_printout_of_records_fails_saying_so(library_a):
    # pymarc's bad.dat: an e-mailed screen printout of catalogue records, not a MARC file.
    job = import_file(library_a, FILES / "bad.dat")
    assert job.status == ImportJob.Status.FAILED
    assert "printed as text" in job.error


@pytest.mark.django_db
def test_a_marc_file_still_ends_done(library_a):
    job = import_file(library_a, FILES / "test.dat")
    assert job.status == ImportJob.Status.DONE and not job.error


@pytest.mark.django_db
def test_an_uploaded_html_page_fails_its_job_with_the_reason_in_the_api(api_as, cataloguer_a, settings, tmp_path,
                                                                       django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    client = api_as(cataloguer_a)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/api/v1/libraries/alpha/imports/",
                           {"file": SimpleUploadedFile("export.mrc", HTML)}, format="multipart")
    assert resp.status_code == 202, resp.content
    status = client.get(f"/api/v1/libraries/alpha/imports/{resp.json()['id']}/").json()
    assert status["status"] == "failed"
    assert "HTML" in status["error"]  # in the language the job ran in
