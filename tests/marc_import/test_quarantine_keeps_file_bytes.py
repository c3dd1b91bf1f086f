"""Quarantine keeps exactly the bytes of the file for a rejected record, whether the reader, the
decoder or the writer (a clashing barcode, after conversion to UTF-8) rejected it, so "download
and resubmit" sends back what the library sent and reads the same record; and a damaged file's
job counts every record it began."""

from __future__ import annotations

import io

import pymarc
import pytest
from django_tenants.utils import tenant_context

from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.pipeline import Options, process
from marc_import.records import iter_records
from marc_import.services.importer import import_file
from marc_import.services.jobs import resubmit
from tests.marc_import.conftest import FILES, INPUT

RT, FT = b"\x1d", b"\x1e"


def with_field(raw: bytes, tag: bytes, data: bytes) -> bytes:
    """An ISO 2709 record with one more field, its other bytes (and character set) untouched."""
    base = int(raw[12:17])
    directory, fields = raw[24 : base - 1], raw[base:-1]
    directory += tag + b"%04d%05d" % (len(data) + 1, len(fields))
    body = directory + FT + fields + data + FT + RT
    return b"%05d" % (24 + len(body)) + raw[5:12] + b"%05d" % (24 + len(directory) + 1) + raw[17:24] + body


def owner_of(barcode: str) -> bytes:
    """Another record that already holds ``barcode``."""
    rec = pymarc.Record(force_utf8=True, leader="00000nam a2200000 a 4500")
    rec.add_field(pymarc.Field(tag="001", data="barcode-owner"))
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                               subfields=[pymarc.Subfield("a", "Owner")]))
    rec.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "), subfields=[
        pymarc.Subfield("a", "MAIN"), pymarc.Subfield("p", barcode)]))
    return rec.as_marc()


def first_barcode(data: bytes) -> str:
    for source in iter_records(io.BytesIO(data)):
        result = process(source, Options())
        for holdings in result.get("holdings", []):
            for item in holdings["items"]:
                if item["barcode"]:
                    return item["barcode"]
    raise AssertionError("no barcode")


def marc8_with_item() -> bytes:
    raw = (INPUT / "marc21_marc8_latin.mrc").read_bytes()
    return with_field(raw, b"952", b"  \x1faMAIN\x1fpM8-0001")


def ucs2_second_record_broken() -> bytes:
    data = (INPUT / "cnmarc_ucs2.mrc").read_bytes()
    cut = data.index("\x1d".encode("utf-16-le")) + 2
    return data[:cut] + data[cut : cut + 200] + b"\x00\xd8" + data[cut + 202 :]  # a lone surrogate


def xml_second_record_broken() -> bytes:
    return (FILES / "three-records-second-bad.xml").read_bytes()


# (name, file bytes, rejected late for a clashing barcode?)
CASES = [
    ("iso2709-early", (FILES / "bad_records.mrc").read_bytes(), False),
    # UTF-8 with leader/09 blank (set to 'a' when stored), after a line break.
    ("iso2709-utf8-late", b"\r\n" + with_field((INPUT / "marc21_utf8_blank_leader09.mrc").read_bytes(), b"952",
                                              b"  \x1faMAIN\x1fpU8-0001"), True),
    ("marc8-late", marc8_with_item(), True),
    ("ucs2-early", ucs2_second_record_broken(), False),
    ("ucs2-late", (INPUT / "cnmarc_ucs2.mrc").read_bytes(), True),
    ("xml-early", xml_second_record_broken(), False),
    ("xml-late", (FILES / "sample_cnmarcxml.xml").read_bytes(), True),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "late"), CASES, ids=[c[0] for c in CASES])
def test_quarantine_holds_the_files_bytes_and_resubmitting_them_reads_the_same_record(library_a, name, data, late):
    barcode = first_barcode(data) if late else None
    if late:
        import_file(library_a, io.BytesIO(owner_of(barcode)))
    job = import_file(library_a, io.BytesIO(data), source_name=name)
    assert job.read == job.created + job.updated + job.unchanged + job.deleted + job.rejected
    with tenant_context(library_a):
        quarantined = list(QuarantinedRecord.objects.filter(job=job))
    assert quarantined and len(quarantined) == job.rejected
    for q in quarantined:
        assert bytes(q.raw) == data[q.offset : q.offset + len(q.raw)], q.reason
        if late:
            assert barcode in q.reason
    q = quarantined[0]
    again = resubmit(library_a, q.pk)
    assert (again.read, again.rejected) == (1, 1)
    with tenant_context(library_a):
        (back,) = QuarantinedRecord.objects.filter(job=again)
    assert bytes(back.raw) == bytes(q.raw)
    assert back.reason == q.reason and back.raw_kind == q.raw_kind


@pytest.mark.django_db
def test_a_damaged_first_byte_still_imports_every_other_record(library_a):
    data = (FILES / "pride-and-prejudice-with-many-errors.mrc").read_bytes()
    intact = import_file(library_a, io.BytesIO(data), use_worker=False)
    damaged = import_file(library_a, io.BytesIO(b"<" + data[1:]), use_worker=False)
    assert damaged.status == ImportJob.Status.DONE
    assert damaged.read == intact.read == 383
    assert damaged.rejected == intact.rejected + 1
    assert damaged.read == damaged.created + damaged.updated + damaged.unchanged + damaged.deleted + damaged.rejected


@pytest.mark.django_db
def test_a_cut_marcxml_file_quarantines_the_cut_record_instead_of_dropping_it(library_a):
    data = (FILES / "zdb-oai-marc.xml").read_bytes()
    cut = data[: data.index(b"<slim:datafield", len(data) // 2)]
    job = import_file(library_a, io.BytesIO(cut))
    assert job.status == ImportJob.Status.DONE
    assert job.rejected == 1 and job.read == cut.count(b"<slim:record ")
    with tenant_context(library_a):
        q = QuarantinedRecord.objects.get(job=job)
    assert cut.endswith(bytes(q.raw)) and "truncated" in q.reason
