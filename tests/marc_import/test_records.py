"""Readers, character-set choice and format detection (pure, no database)."""

from __future__ import annotations

import io
import unicodedata

import pymarc
import pytest

from marc_import.pipeline import Options, process
from marc_import.records import RecordError, decode, detect_flavour, iter_records, parse_iso2709, sniff
from tests.marc_import.conftest import FILES, INPUT


def one(data: bytes, **opts):
    source = next(iter_records(io.BytesIO(data)))
    return process(source, Options(**opts))


def test_sniff_tells_xml_iso2709_and_ucs2_apart():
    assert sniff(b'<?xml version="1.0"?><collection/>') == "xml"
    assert sniff(b"\xef\xbb\xbf  <record>") == "xml"
    assert sniff((INPUT / "cnmarc_ucs2.mrc").read_bytes()[:64]) == "ucs-2"
    assert sniff("01234nam".encode("utf-16-le")) == "ucs-2"
    assert sniff((FILES / "test.dat").read_bytes()[:64]) == "iso2709"


def test_nfd_input_comes_out_nfc():
    rec = pymarc.Record(force_utf8=True)
    rec.add_field(pymarc.Field(tag="001", data="nfd1"))
    title = unicodedata.normalize("NFD", "Café crème")
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"), subfields=[pymarc.Subfield("a", title)]))
    result = one(rec.as_marc())
    assert result["instance"]["title"] == unicodedata.normalize("NFC", "Café crème")
    assert unicodedata.is_normalized("NFC", result["raw"].decode("utf-8"))


def test_blank_leader09_utf8_is_not_read_as_marc8():
    source = next(iter_records(io.BytesIO((FILES / "utf8_without_leader_flag.dat").read_bytes())))
    _record, encoding, flavour = decode(source)
    assert (encoding, flavour) == ("utf-8", "marc21")


def test_marc8_and_gbk_are_told_apart():
    marc8 = next(iter_records(io.BytesIO((FILES / "marc8.dat").read_bytes())))
    gbk = next(iter_records(io.BytesIO((INPUT / "marc21_gbk.mrc").read_bytes())))
    assert decode(marc8)[1] == "marc-8"
    assert decode(gbk)[1] == "gbk"
    assert decode(gbk)[0]["245"]["a"].startswith("'08中国改革")


def test_cnmarc_charset_in_100_is_not_trusted():
    # The records say 0120 (GB2312) in 100$a/26-29 but the bytes are UTF-8.
    source = next(iter_records(io.BytesIO((FILES / "sample_cnmarcxml.DERIVED.utf8.iso").read_bytes())))
    assert decode(source)[1:] == ("utf-8", "unimarc")


def test_forced_encoding_that_does_not_fit_rejects_the_record():
    source = next(iter_records(io.BytesIO((INPUT / "cnmarc_gb18030.mrc").read_bytes())))
    with pytest.raises(RecordError, match="UTF-8"):
        decode(source, encoding="utf-8")


def test_format_detection_and_override():
    assert detect_flavour(["001", "010", "100", "200", "210", "215", "690", "701"]) == "unimarc"
    assert detect_flavour(["001", "008", "020", "100", "245", "260", "300", "650"]) == "marc21"
    data = (INPUT / "cnmarc_utf8.mrc").read_bytes()
    assert one(data)["flavour"] == "unimarc"
    forced = one(data, format="marc21")
    assert forced["status"] == "rejected" and "245" in forced["reason"]  # no MARC 21 title


def test_structural_errors_have_reasons():
    with pytest.raises(RecordError, match="leader"):
        parse_iso2709(b"abcde" + b"x" * 40 + b"\x1d")
    with pytest.raises(RecordError, match="terminator"):
        parse_iso2709((FILES / "test.dat").read_bytes()[:700])
    reasons = [r.get("reason") for r in (process(s, Options()) for s in iter_records(
        io.BytesIO((FILES / "bad_records.mrc").read_bytes())))]
    assert sum(1 for r in reasons if r) >= 5


def test_authority_and_holdings_records_are_rejected_not_imported():
    rec = pymarc.Record(force_utf8=True, leader="00000nz  a2200000n  4500")
    rec.add_field(pymarc.Field(tag="001", data="auth1"))
    rec.add_field(pymarc.Field(tag="100", indicators=pymarc.Indicators("1", " "), subfields=[pymarc.Subfield("a", "Lu, Xun")]))
    result = one(rec.as_marc(), format="marc21")
    assert result["status"] == "rejected" and "authority" in result["reason"]


def test_xml_reader_survives_a_syntax_error_between_good_records():
    sources = list(iter_records(io.BytesIO((FILES / "three-records-second-bad.xml").read_bytes())))
    results = [process(s, Options()) for s in sources]
    assert [r["status"] for r in results] == ["ok", "rejected", "ok"]
    assert "XML" in results[1]["reason"]


def test_cp1251_records_are_read_as_cyrillic_not_marc8():
    # pymarc's 1251.dat: Russian MARC 21 records in Windows-1251 with leader/09 blank.
    sources = list(iter_records(io.BytesIO((FILES / "1251.dat").read_bytes())))
    results = [process(s, Options()) for s in sources]
    assert [r["status"] for r in results] == ["ok"] * 6
    assert {r["encoding"] for r in results} == {"cp1251"}
    assert results[0]["instance"]["title"].startswith("Основы гидравлического расчета")
    assert results[0]["raw"][9:10] == b"a"  # stored as UTF-8


def _serialise(record: pymarc.Record, codec: str) -> bytes:
    """ISO 2709 with the field data in ``codec`` (pymarc writes only UTF-8 or Latin-1)."""
    fields = [f.as_marc(codec) for f in record.fields]
    directory, start = b"", 0
    for field, data in zip(record.fields, fields, strict=True):
        directory += b"%s%04d%05d" % (field.tag.encode(), len(data), start)
        start += len(data)
    base = 24 + len(directory) + 1
    body = directory + b"\x1e" + b"".join(fields) + b"\x1d"
    leader = str(record.leader).encode()
    leader = leader[:9] + b" " + leader[10:]  # leader/09 blank: not Unicode
    return b"%05d" % (24 + len(body)) + leader[5:12] + b"%05d" % base + leader[17:] + body


@pytest.mark.parametrize("codec", ["cp1251", "koi8-r", "cp866"])
def test_each_single_byte_cyrillic_set_is_recognised(codec):
    rec = pymarc.Record(force_utf8=True, leader="00000nam  2200000 i 4500")
    rec.add_field(pymarc.Field(tag="001", data="ru1"))
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"), subfields=[
        pymarc.Subfield("a", "Психологический тренинг с подростками /"),
        pymarc.Subfield("c", "Людмила Анн."),
    ]))
    data = _serialise(rec, codec)
    result = one(data)
    assert result["encoding"] == codec
    assert result["instance"]["title"] == "Психологический тренинг с подростками"
    # An explicit choice is taken as given.
    assert one(data, encoding=codec)["instance"]["responsibility"] == "Людмила Анн"


def test_chinese_gbk_is_not_taken_for_cyrillic():
    gbk = next(iter_records(io.BytesIO((INPUT / "marc21_gbk.mrc").read_bytes())))
    assert decode(gbk)[1] == "gbk"
    cn = next(iter_records(io.BytesIO((FILES / "sample_cnmarcxml.DERIVED.gb18030.iso").read_bytes())))
    assert decode(cn)[1] == "gbk"


@pytest.mark.parametrize("flavour", ["marc21", "unimarc"])
def test_traditional_chinese_in_gbk_is_read_as_gbk(flavour):
    # GBK's extended area (most traditional characters) has second bytes below 0xA1.
    title, tag, code = "發展與變遷：臺灣歷史論叢", ("245" if flavour == "marc21" else "200"), "a"
    rec = pymarc.Record(force_utf8=True, leader="00000nam  2200000 i 4500" if flavour == "marc21"
                        else "00000nam0 2200000   450 ")
    rec.add_field(pymarc.Field(tag="001", data="tw1"))
    if flavour == "unimarc":
        rec.add_field(pymarc.Field(tag="100", indicators=pymarc.Indicators(" ", " "), subfields=[
            pymarc.Subfield("a", "20240101d2001    em y0chiy0120    ea")]))
    rec.add_field(pymarc.Field(tag=tag, indicators=pymarc.Indicators("1", "0"), subfields=[
        pymarc.Subfield(code, title), pymarc.Subfield("f" if flavour == "unimarc" else "c", "張愛玲著")]))
    result = one(_serialise(rec, "gbk"))
    assert (result["status"], result["encoding"], result["flavour"]) == ("ok", "gbk", flavour)
    assert result["instance"]["title"] == title


def test_latin1_letters_are_not_taken_for_gbk():
    rec = pymarc.Record(force_utf8=True, leader="00000nam  2200000 i 4500")
    rec.add_field(pymarc.Field(tag="001", data="fr1"))
    rec.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"), subfields=[
        pymarc.Subfield("a", "Élise à Montréal : un été très chaud")]))
    result = one(_serialise(rec, "latin-1"))
    assert result["encoding"] != "gbk"
