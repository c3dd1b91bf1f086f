"""Damage in the middle of a file costs the damaged record, never the records after it, and every
byte of a record the reader gives up on stays with a record (pure, no database)."""

from __future__ import annotations

import codecs
import io

import pytest

from marc_import.pipeline import Options, process
from marc_import.records import iter_records, sniff
from tests.marc_import.conftest import FILES, INPUT

RT = b"\x1d"
PRIDE = FILES / "pride-and-prejudice-with-many-errors.mrc"  # 383 records, 85 of them broken


def read(data: bytes, **opts) -> list[dict]:
    """The pipeline's result for every record the reader finds, after checking each one's bytes
    are exactly the bytes of the file at its offset."""
    results = []
    for source in iter_records(io.BytesIO(data), **opts):
        assert data[source.offset : source.offset + len(source.raw)] == source.raw, source.position
        results.append(process(source, Options()))
    return results


def statuses(results: list[dict]) -> list[str]:
    return [r["status"] for r in results]


@pytest.mark.parametrize("first", [b"<", b"\x00", b" ", b"x", b"\xff"])
def test_a_damaged_first_byte_costs_one_record_of_an_iso2709_file(first):
    data = PRIDE.read_bytes()
    intact = read(data)
    damaged = read(first + data[1:])
    assert len(damaged) == len(intact) == 383
    assert damaged[0]["status"] == "rejected"
    assert statuses(damaged[1:]) == statuses(intact[1:])


def test_the_iso2709_records_of_a_file_lie_end_to_end():
    data = PRIDE.read_bytes()
    sources = list(iter_records(io.BytesIO(data)))
    assert b"".join(s.raw for s in sources) == data


def test_garbage_between_records_is_quarantined_alone_and_the_next_record_read():
    records = [part + RT for part in (FILES / "test.dat").read_bytes().split(RT)[:-1]]
    garbage = b"<html>Proxy error: connection reset</html>\r\n"
    data = records[0] + garbage + b"".join(records[1:])
    results = read(data)
    assert statuses(results) == ["ok", "rejected"] + ["ok"] * 9
    assert results[1]["raw"] == garbage and "not a MARC record" in results[1]["reason"]


def test_a_missing_record_terminator_costs_only_that_record():
    records = [part + RT for part in (FILES / "test.dat").read_bytes().split(RT)[:-1]]
    data = records[0] + records[1][:-1] + b"".join(records[2:])
    results = read(data)
    assert statuses(results) == ["ok", "rejected"] + ["ok"] * 8
    assert "terminator" in results[1]["reason"]
    assert results[1]["raw"] == records[1][:-1]


def test_a_last_record_without_terminator_is_quarantined_with_its_bytes():
    data = (FILES / "test.dat").read_bytes()[:-1]
    results = read(data)
    assert statuses(results) == ["ok"] * 9 + ["rejected"]
    assert data.endswith(results[-1]["raw"])


def _nth(data: bytes, needle: bytes, n: int) -> int:
    at = -1
    for _ in range(n):
        at = data.index(needle, at + 1)
    return at


CNMARC_RECORD = b'<record xmlns="http://www.nlc.cn/">'


def test_a_syntax_error_in_the_middle_of_marcxml_costs_one_record():
    full = (FILES / "sample_cnmarcxml.xml").read_bytes()
    record = _nth(full, CNMARC_RECORD, 6)
    field = full.index(b"<datafield", record)
    data = full[:field] + b'<datafield tag="<&' + full[field:]
    results = read(data)
    assert statuses(results) == ["ok"] * 5 + ["rejected"] + ["ok"] * 4
    assert "XML syntax error" in results[5]["reason"]
    assert results[5]["offset"] == record
    assert results[5]["raw"] == data[record : data.index(b"</record>", record) + 9]


def test_a_marcxml_file_cut_in_the_middle_quarantines_the_cut_record():
    full = (FILES / "sample_cnmarcxml.xml").read_bytes()
    record = _nth(full, CNMARC_RECORD, 6)
    data = full[: record + 500]
    results = read(data)
    assert statuses(results) == ["ok"] * 5 + ["rejected"]
    assert "truncated" in results[5]["reason"] and results[5]["raw"] == data[record:]


def test_a_record_of_an_oai_pmh_response_with_a_damaged_end_tag_costs_only_that_record():
    data = (FILES / "zdb-oai-marc.xml").read_bytes()
    end = _nth(data, b"</slim:record>", 30)
    results = read(data[:end] + b"</slim:rekord>" + data[end + 14 :])
    assert len(results) == 50
    assert statuses(results).count("rejected") == 1


@pytest.mark.parametrize(("name", "tag", "n", "ok"), [
    ("zdb-oai-marc.xml", b"<slim:record", 30, 49),
    ("three-records-second-bad.xml", b"<record>", 3, 1),  # the second record is broken already
])
def test_fields_whose_record_start_tag_is_damaged_are_kept_not_dropped(name, tag, n, ok):
    data = (FILES / name).read_bytes()
    start = _nth(data, tag, n)
    damaged = data[:start] + tag.replace(b"record", b"rekord") + data[start + len(tag) :]
    results = read(damaged)
    assert statuses(results).count("ok") == ok
    leader = damaged.index(b"leader>", start)  # the damaged start tag up to the record's leader
    assert any(damaged[start:leader] in r["raw"] for r in results if r["status"] == "rejected")


def test_a_declared_character_set_other_than_utf8_is_used_for_every_record():
    data = (FILES / "three-records-second-bad.xml").read_bytes()
    first, rest = data.split(b"\n", 1)
    latin = first.replace(b"UTF-8", b"ISO-8859-1") + b"\n" + rest.replace(b"The Texas ranger", b"The Texas r\xe9nger")
    results = read(latin)
    assert [r["instance"]["title"] for r in results if r["status"] == "ok"][1] == "The Texas rénger"


def test_a_ucs2_record_that_is_not_utf16_is_rejected_alone_with_its_bytes():
    data = (INPUT / "cnmarc_ucs2.mrc").read_bytes()
    cut = data.index("\x1d".encode("utf-16-le")) + 2
    second = data[cut:]
    broken = second[:200] + b"\x00\xd8" + second[202:]  # a lone high surrogate
    results = read(data[:cut] + broken)
    assert statuses(results) == ["ok", "rejected"]
    assert results[1]["raw"] == broken and "UTF-16" in results[1]["reason"]


def test_sniffing_survives_one_damaged_first_byte():
    ucs2 = (INPUT / "cnmarc_ucs2.mrc").read_bytes()
    assert sniff(b"\x07" + ucs2[1:4096]) == "ucs-2"
    assert sniff(ucs2[2:4096]) == "ucs-2"  # no byte order mark
    xml = (FILES / "sample_marcxml.xml").read_bytes()
    assert sniff(b"X" + xml.lstrip(codecs.BOM_UTF8)[1:4096]) == "xml"
    assert sniff(b"<" + PRIDE.read_bytes()[1:4096]) == "iso2709"
