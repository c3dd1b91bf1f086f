"""One record has a time and a size budget; past either it is quarantined and the file imports.

Before, a record that took minutes to map held up its batch until the worker's wait ran out and
the whole job failed with none of its records imported.
"""

from __future__ import annotations

import io
import time

import pymarc
import pytest
from django_tenants.utils import tenant_context

from marc_import import pipeline
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.pipeline import MAX_RECORD_BYTES, Options, iter_batches
from marc_import.services.importer import import_file
from tenants.catalogue.models import Instance
from tests.marc_import.conftest import FILES

RUN = " . . . ."


def _records() -> list[pymarc.Record]:
    with open(FILES / "test.dat", "rb") as handle:
        return list(pymarc.MARCReader(handle))


def _marcxml(records: list[pymarc.Record]) -> bytes:
    body = b"".join(pymarc.record_to_xml(r, namespace=False) for r in records)
    return b'<collection xmlns="http://www.loc.gov/MARC21/slim">' + body + b"</collection>"


def _results(data: bytes, options: Options) -> list[dict]:
    return [r for batch, _consumed in iter_batches(io.BytesIO(data), options) for r in batch]


def test_a_record_past_its_time_budget_is_rejected_and_the_others_map(monkeypatch):
    mapper = pipeline.map_record

    def slow_for_one(record, flavour):
        if record["001"].data.strip() == "fol05754809":
            deadline = time.monotonic() + 5  # what an unforeseen slow step would do
            while time.monotonic() < deadline:
                pass
        return mapper(record, flavour)

    monkeypatch.setattr(pipeline, "map_record", slow_for_one)
    start = time.monotonic()
    results = _results(b"".join(r.as_marc() for r in _records()), Options(record_seconds=0.5))
    assert time.monotonic() - start < 4
    assert [r["status"] for r in results].count("ok") == 9
    (rejected,) = [r for r in results if r["status"] == "rejected"]
    assert rejected["position"] == 2
    assert "took longer than 0.5 seconds" in rejected["reason"]


def test_a_record_larger_than_any_real_one_is_rejected_unread():
    records = _records()
    records[3].add_field(pymarc.Field(tag="500", indicators=pymarc.Indicators(" ", " "),
                                      subfields=[pymarc.Subfield("a", "x" * MAX_RECORD_BYTES)]))
    results = _results(_marcxml(records), Options())
    assert [r["status"] for r in results] == ["ok"] * 3 + ["rejected"] + ["ok"] * 6
    assert "bytes long" in results[3]["reason"]


@pytest.mark.django_db
def test_a_file_with_eight_records_of_80_kb_punctuation_titles_imports_every_record(library_a):
    records = _records()
    long_ones = []
    for n in range(8):
        record = _records()[n]
        record["001"].data = f"long{n}"
        record["245"].subfields = [pymarc.Subfield("a", f"Run {n}" + RUN * (80_000 // len(RUN)))]
        long_ones.append(record)
    start = time.monotonic()
    job = import_file(library_a, io.BytesIO(_marcxml(records + long_ones)), use_worker=False)
    assert time.monotonic() - start < 60
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.read, job.created, job.rejected) == (18, 18, 0)
    with tenant_context(library_a):
        assert Instance.objects.get(control_number="long3").title == "Run 3"
        assert not QuarantinedRecord.objects.exists()
