"""The MARC writers are the inverse of the project's own mappings: a description written in MARC 21
or CNMARC and mapped again gives the same data back, in ISO 2709 and in MARCXML, Chinese text
included. Pure: no database."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from marc_import import marcxml, writer
from marc_import.mapping import map_record
from marc_import.records import decode, iter_xml, parse_iso2709

MOMENT = dt.datetime(2024, 3, 5, 8, 9, 10, tzinfo=dt.UTC)


def three_body(**changes) -> writer.Description:
    values = dict(
        title="三体", other_title="地球往事", parallel_titles=["The three-body problem", "Three body"], volume="第一部",
        responsibility="刘慈欣著", edition="第2版", publisher="重庆出版社", place="重庆", year=2008,
        extent="302页", series=["中国科幻基石丛书"], issns=["1002-1329"], languages=["chi", "eng"],
        clc=["I247.55"], subjects=["科学幻想小说 -- 中国 -- 当代"], summary="地球文明向宇宙发出第一声啼鸣。",
        material_type="book", price="CNY23.00", control_number="CN-0001",
        authors=[{"name": "刘慈欣", "role": "author", "type": "personal"},
                 {"name": "李四", "role": "editor", "type": "personal"},
                 {"name": "科幻世界杂志社", "role": "editor", "type": "corporate"}],
        isbns=[writer.Isbn("9787536692930", True, "平装"), writer.Isbn("7-5366-9293-X", False)],
        entered=MOMENT, changed=MOMENT,
    )
    values.update(changes)
    return writer.Description(**values)


# What the mapping reads back: ISBNs as entries, and 001 as the control number.
EXPECTED_ISBNS = [
    {"value": "9787536692930", "isbn13": "9787536692930", "valid": True, "qualifier": "平装"},
    {"value": "7-5366-9293-X", "isbn13": "", "valid": False, "qualifier": ""},
]


def assert_maps_back(mapped: dict, description: writer.Description) -> None:
    for name in writer.BIBLIOGRAPHIC_FIELDS:
        if name != "control_numbers":
            assert mapped[name] == getattr(description, name), name
    assert mapped["isbns"] == EXPECTED_ISBNS
    assert mapped["price"] == description.price
    assert mapped["control_number"] == description.control_number
    assert mapped["deleted"] is False


@pytest.mark.parametrize("flavour", writer.FLAVOURS)
def test_a_written_record_maps_back_to_its_description(flavour):
    description = three_body()
    assert_maps_back(map_record(writer.write(description, flavour), flavour), description)


@pytest.mark.parametrize("flavour", writer.FLAVOURS)
def test_it_survives_iso2709_and_marcxml(flavour):
    description = three_body()
    record = writer.write(description, flavour)
    parsed, _encoding = parse_iso2709(record.as_marc(), encoding="utf-8", flavour=flavour)
    assert_maps_back(map_record(parsed, flavour), description)
    (source,) = iter_xml(io.BytesIO(b"".join(marcxml.collection([record]))))
    assert_maps_back(map_record(decode(source)[0], flavour), description)


@pytest.mark.parametrize("flavour", writer.FLAVOURS)
@pytest.mark.parametrize("material_type", ["book", "serial", "map", "score", "video", "audio", "electronic"])
def test_the_material_type_goes_into_the_leader(flavour, material_type):
    record = writer.write(three_body(material_type=material_type), flavour)
    assert map_record(record, flavour)["material_type"] == material_type


def test_marc21_control_numbers_come_back_with_their_kind():
    description = three_body(control_numbers=[{"type": "oclc", "value": "(OCoLC)123"},
                                              {"type": "calis", "value": "(CALIS)456"}])
    mapped = map_record(writer.marc21(description), "marc21")
    assert mapped["control_numbers"] == [{"type": "001", "value": "CN-0001"}, *description.control_numbers]


@pytest.mark.parametrize("flavour", writer.FLAVOURS)
def test_a_corporate_body_alone_is_the_main_entry(flavour):
    body = {"name": "国家统计局", "role": "author", "type": "corporate"}
    record = writer.write(three_body(authors=[body]), flavour)
    names = "1" if flavour == "marc21" else "7"  # UNIMARC 1XX are coded data, not names
    assert [f.tag for f in record.fields if f.tag.startswith(names)] == (["110"] if flavour == "marc21" else ["710"])
    assert map_record(record, flavour)["authors"] == [body]


def test_a_title_without_names_is_its_own_main_entry():
    record = writer.marc21(three_body(authors=[]))
    assert record["245"].indicators == writer.pymarc.Indicators("0", "0")
    assert writer.marc21(three_body())["245"].indicators == writer.pymarc.Indicators("1", "0")


@pytest.mark.parametrize("flavour", writer.FLAVOURS)
def test_empty_values_write_no_empty_fields(flavour):
    record = writer.write(writer.Description(title="论语"), flavour)
    assert all(f.subfields for f in record.fields if not f.is_control_field())
    assert map_record(record, flavour)["title"] == "论语"


def test_the_fixed_fields_carry_the_dates_and_the_language():
    record = writer.marc21(three_body(agency="UNIONCAT"))
    assert record["003"].data == "UNIONCAT"
    assert record["005"].data == "20240305080910.0"
    f008 = record["008"].data
    assert len(f008) == 40 and f008[:15] == "240305s2008    " and f008[35:38] == "chi"
    cnmarc = writer.unimarc(three_body(agency="UNIONCAT"))
    assert cnmarc["100"]["a"][:13] == "20240305d2008" and len(cnmarc["100"]["a"]) == 36
    assert cnmarc["801"].get_subfields("a", "b", "c") == ["CN", "UNIONCAT", "20240305"]
    assert writer.unimarc(three_body()).get_fields("801") == []  # no agency, no 801


def test_holdings_get_one_field_per_library():
    holdings = [writer.Holding("alpha", "Alpha School", "I247.55/1", 3, 2),
                writer.Holding("beta", "Beta School", "I247.55/2", 1, 0)]
    marc21 = writer.marc21(three_body(), holdings)
    assert [f.value() for f in marc21.get_fields("852")] == [
        "alpha Alpha School I247.55/1 3 available 2", "beta Beta School I247.55/2 1 available 0"]
    cnmarc = writer.unimarc(three_body(), holdings)
    assert [f.get_subfields("a", "d", "f") for f in cnmarc.get_fields("905")] == [
        ["alpha", "I247.55/1", "3"], ["beta", "I247.55/2", "1"]]
    assert writer.marc21(three_body()).get_fields("852") == []


def test_cnmarc_is_unimarc_and_other_formats_are_refused():
    assert writer.write(three_body(), "cnmarc").as_marc() == writer.unimarc(three_body()).as_marc()
    with pytest.raises(ValueError):
        writer.write(three_body(), "mods")
