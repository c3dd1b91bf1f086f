"""Optional: every MARC file in the shared test-data folder next to the repository imports, and
its counts add up. Skipped when the folder is absent (a fresh clone)."""

from __future__ import annotations

import pytest

from marc_import.models import ImportJob
from marc_import.services.importer import import_file
from tests.marc_import.conftest import SHARED

MARC_SUFFIXES = (".mrc", ".marc", ".dat", ".iso", ".bin", ".marc21", ".xml")
# Files that are not MARC at all (SOURCES.md says so): their import fails saying what they are.
NOT_MARC = {"bad.dat"}


def marc_files():
    if not SHARED.is_dir():
        return []
    out = []
    for path in sorted(SHARED.rglob("*")):
        if path.suffix in MARC_SUFFIXES and path.is_file():
            head = path.read_bytes()[:200000]
            if path.suffix == ".xml" and b"datafield" not in head and b"controlfield" not in head:
                continue  # XML that is not MARC (ISO 18626, DC, MODS, schemas)
            if path.name in NOT_MARC:
                continue
            out.append(path)
    return out


FILES = marc_files()


@pytest.mark.skipif(not FILES, reason="shared test data folder is absent")
@pytest.mark.django_db
def test_every_shared_marc_file_imports_with_counts_that_add_up(library_a):
    failures = []
    for path in FILES:
        job = import_file(library_a, path)
        total = job.created + job.updated + job.unchanged + job.deleted + job.rejected
        if job.status != ImportJob.Status.DONE or job.read != total or job.read == 0:
            failures.append((path.name, job.counts()))
    assert not failures
    assert len(FILES) > 100
