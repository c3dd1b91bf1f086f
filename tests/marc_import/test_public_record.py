"""The public record keeps the bibliographic fields of a member's record and drops its local
holdings, item and note fields, per format, adding the consortium's holdings summary instead."""

from __future__ import annotations

import pymarc
import pytest

from marc_import.public import is_local, profile_tags, public_record
from marc_import.writer import Holding


def field(tag: str, ind1: str = " ") -> pymarc.Field:
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators(ind1, " "), subfields=[pymarc.Subfield("a", tag)])


@pytest.mark.parametrize("tag", ["852", "876", "877", "878", "866", "590", "949", "952", "995", "998", "9AB"])
def test_marc21_holdings_item_and_local_fields_are_local(tag):
    assert is_local(field(tag), "marc21")


@pytest.mark.parametrize("tag", ["020", "100", "245", "264", "500", "650", "856", "084"])
def test_marc21_bibliographic_fields_are_public(tag):
    assert not is_local(field(tag), "marc21")


def test_marc21_copy_notes_are_published_only_when_marked_public():
    assert is_local(field("541", "0"), "marc21")
    assert is_local(field("541", " "), "marc21")
    assert not is_local(field("541", "1"), "marc21")


@pytest.mark.parametrize("flavour", ["unimarc", "cnmarc"])
@pytest.mark.parametrize("tag", ["905", "906", "995", "999", "316", "317", "318"])
def test_unimarc_holdings_item_and_local_fields_are_local(flavour, tag):
    assert is_local(field(tag), flavour)


@pytest.mark.parametrize("tag", ["010", "200", "210", "606", "690", "701", "801"])
def test_unimarc_bibliographic_fields_are_public(tag):
    assert not is_local(field(tag), "unimarc")


def test_every_field_an_import_profile_reads_items_from_is_local():
    tags = profile_tags()
    assert {"852", "876", "949", "952"} <= tags["marc21"]
    assert {"905", "906", "995"} <= tags["unimarc"]


def test_the_public_record_swaps_local_fields_for_the_holdings_summary():
    record = pymarc.Record(force_utf8=True)
    for tag in ("245", "852", "952", "650"):
        record.add_field(field(tag))
    public = public_record(record, "marc21", [Holding("alpha", "Alpha School", "I24/1", 3, 2)])
    assert [f.tag for f in public.fields] == ["245", "650", "852"]
    assert public["852"].get_subfields("a", "b", "h", "t", "z") == ["alpha", "Alpha School", "I24/1", "3",
                                                                   "available 2"]
    assert [f.tag for f in record.fields] == ["245", "852", "952", "650"]  # the stored record is untouched
