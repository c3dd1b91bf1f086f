"""End to end with the MARC import: the same real CNMARC file loaded by two members gives one
union record per edition, each held twice, with no drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.union.conftest import assert_union_clean
from union.models import UnionRecord

DATA = Path(__file__).parent / "data"


def test_two_members_importing_one_cnmarc_file_share_union_records(library_a, library_b, synced):
    importer = pytest.importorskip("marc_import.services.importer")
    for library in (library_a, library_b):
        importer.import_file(library, DATA / "sample_cnmarcxml.DERIVED.utf8.iso", use_worker=False)
    synced()
    records = UnionRecord.objects.filter(deleted=False)
    # Two of the ten records describe one edition ('97 report, same ISBN and year): nine editions.
    assert records.count() == 9
    assert all(set(record.holdings.values_list("library_id", flat=True)) == {library_a.pk, library_b.pk}
               for record in records)
    assert all(record.title for record in records)
    assert_union_clean()
