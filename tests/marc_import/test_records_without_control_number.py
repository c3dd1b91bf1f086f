"""Records with neither 001 nor 035 are matched on everything mapped from them, so two editions
that differ only in publisher, edition or series are two instances, in one file or across two
imports, and the same file imported again is still unchanged."""

from __future__ import annotations

import io

import pymarc
import pytest
from django_tenants.utils import tenant_context

from marc_import.services.importer import import_file
from tenants.catalogue.models import Instance
from tests.marc_import.conftest import FILES


def real_record() -> pymarc.Record:
    """The Library of Congress record for 'ActivePerl with ASP and ADO', control numbers removed."""
    with open(FILES / "test.dat", "rb") as stream:
        record = next(iter(pymarc.MARCReader(stream, to_unicode=True, force_utf8=True)))
    record.remove_fields("001", "003", "035")
    return record


def another_edition(change: str) -> pymarc.Record:
    record = real_record()
    if change == "publisher":
        (imprint,) = record.get_fields("260")
        imprint.subfields = [pymarc.Subfield("a", "Chichester :"), pymarc.Subfield("b", "Wiley Europe,"),
                             pymarc.Subfield("c", "2000.")]
    elif change == "edition":
        record.add_ordered_field(pymarc.Field(tag="250", indicators=pymarc.Indicators(" ", " "),
                                              subfields=[pymarc.Subfield("a", "2nd ed.")]))
    else:
        record.add_ordered_field(pymarc.Field(tag="490", indicators=pymarc.Indicators("0", " "),
                                              subfields=[pymarc.Subfield("a", "Wiley computer publishing")]))
    return record


CHANGES = ["publisher", "edition", "series"]


def stored(library) -> list[tuple[str, str, tuple]]:
    with tenant_context(library):
        return sorted((publisher, edition, tuple(series)) for publisher, edition, series
                      in Instance.objects.values_list("publisher", "edition", "series"))


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES)
def test_two_editions_in_one_file_are_two_instances(library_a, change):
    data = real_record().as_marc() + another_edition(change).as_marc()

    first = import_file(library_a, io.BytesIO(data))
    again = import_file(library_a, io.BytesIO(data))

    assert (first.created, first.updated) == (2, 0)
    assert (again.unchanged, again.created, again.updated) == (2, 0, 0)
    assert len(set(stored(library_a))) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES)
def test_the_second_edition_imported_later_does_not_overwrite_the_first(library_a, change):
    original, edition = real_record().as_marc(), another_edition(change).as_marc()

    first = import_file(library_a, io.BytesIO(original))
    second = import_file(library_a, io.BytesIO(edition))
    before = stored(library_a)
    again = [import_file(library_a, io.BytesIO(data)) for data in (original, edition)]

    assert (first.created, second.created, second.updated) == (1, 1, 0)
    assert len(set(before)) == 2 and stored(library_a) == before
    assert [(job.unchanged, job.created, job.updated) for job in again] == [(1, 0, 0), (1, 0, 0)]
