"""Text PostgreSQL cannot store never fails an import: the record is imported cleaned.

Each case is a real file (pymarc's test.dat, ten Library of Congress records) with one record
changed to carry what no column takes: a NUL in its 001, in a subject or in an item barcode,
other control characters, U+FFFF. Before, COPY or jsonb refused the batch and the whole job
failed; the six characters ``\\u0000`` in a subject were cut out of the JSON and broke it.
"""

from __future__ import annotations

import io

import pymarc
import pytest
from django_tenants.utils import tenant_context

from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.services.importer import import_file
from tenants.catalogue.models import Instance, Item
from tests.marc_import.conftest import FILES, INPUT


def _records(path) -> list[pymarc.Record]:
    with open(path, "rb") as handle:
        return list(pymarc.MARCReader(handle))


def _file(records: list[pymarc.Record]) -> io.BytesIO:
    return io.BytesIO(b"".join(record.as_marc() for record in records))


def _set_subfield(record: pymarc.Record, tag: str, code: str, value: str) -> None:
    field = record[tag]
    field.subfields = [pymarc.Subfield(s.code, value if s.code == code else s.value) for s in field.subfields]


def _assert_all_imported(job: ImportJob, count: int) -> None:
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.read, job.created, job.rejected) == (count, count, 0)


def _second(mutate) -> io.BytesIO:
    records = _records(FILES / "test.dat")
    mutate(records[1])
    return _file(records)


@pytest.mark.django_db
def test_a_nul_in_a_control_number_is_dropped_and_every_record_imports(library_a):
    def mutate(record):
        record["001"].data = "fol0575\x004809"

    job = import_file(library_a, _second(mutate), use_worker=False)
    _assert_all_imported(job, 10)
    with tenant_context(library_a):
        assert Instance.objects.filter(control_number="fol05754809").exists()


@pytest.mark.django_db
def test_a_nul_in_a_subject_is_dropped_and_every_record_imports(library_a):
    job = import_file(library_a, _second(lambda r: _set_subfield(r, "650", "a", "Web serv\x00ers.")),
                      use_worker=False)
    _assert_all_imported(job, 10)
    with tenant_context(library_a):
        assert Instance.objects.get(control_number="fol05754809").subjects[0].startswith("Web servers")


@pytest.mark.django_db
@pytest.mark.parametrize("tag,code", [("650", "a"), ("020", "a")])
def test_the_text_backslash_u0000_in_a_list_field_is_stored_as_written(library_a, tag, code):
    job = import_file(library_a, _second(lambda r: _set_subfield(r, tag, code, "0471383147 \\u0000 x")),
                      use_worker=False)
    _assert_all_imported(job, 10)
    with tenant_context(library_a):
        instance = Instance.objects.get(control_number="fol05754809")
    if tag == "650":
        assert instance.subjects[0] == "0471383147 \\u0000 x"
    else:
        assert instance.isbns[0]["value"] == "0471383147"


@pytest.mark.django_db
def test_control_characters_xml_cannot_carry_are_dropped_from_a_title(library_a):
    job = import_file(library_a, _second(lambda r: _set_subfield(r, "245", "a", "Perl\x01 \x1bweb\uffff services /")),
                      use_worker=False)
    _assert_all_imported(job, 10)
    with tenant_context(library_a):
        assert Instance.objects.get(control_number="fol05754809").title == "Perl web services"


@pytest.mark.django_db
def test_a_nul_in_an_item_barcode_is_dropped_and_the_other_records_import(library_a):
    records = _records(FILES / "test.dat")
    holdings = _records(INPUT / "marc21_holdings_952.mrc")[0]
    first_item = holdings.get_fields("952")[0]
    first_item.subfields = [pymarc.Subfield(s.code, "B00\x0001" if s.code == "p" else s.value)
                            for s in first_item.subfields]
    job = import_file(library_a, _file([*records[:5], holdings, *records[5:]]), use_worker=False)
    _assert_all_imported(job, 11)
    with tenant_context(library_a):
        assert Item.objects.filter(barcode="B0001", holdings__instance__control_number="h952-1").exists()
        assert not QuarantinedRecord.objects.exists()


@pytest.mark.django_db
def test_a_barcode_of_nothing_but_a_nul_leaves_that_item_out(library_a):
    holdings = _records(INPUT / "marc21_holdings_952.mrc")[0]
    items = holdings.get_fields("952")
    before = len(items)
    items[0].subfields = [pymarc.Subfield(s.code, "\x00" if s.code == "p" else s.value) for s in items[0].subfields]
    job = import_file(library_a, _file([holdings]), use_worker=False)
    _assert_all_imported(job, 1)
    assert job.items_created == before - 1


@pytest.mark.django_db
def test_a_rejected_record_with_a_nul_in_its_control_number_is_quarantined(library_a):
    records = _records(FILES / "test.dat")
    records[1]["001"].data = "fol0575\x004809"
    records[1].remove_fields("245")  # no title: rejected, and quarantined under its cleaned number
    job = import_file(library_a, _file(records), use_worker=False)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.read, job.created, job.rejected) == (10, 9, 1)
    with tenant_context(library_a):
        assert QuarantinedRecord.objects.get(job=job).control_number == "fol05754809"
