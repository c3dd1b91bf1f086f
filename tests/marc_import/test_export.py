"""Export to ISO 2709 and MARCXML in the original record format; import -> export -> import keeps
the same normalised data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context
from lxml import etree

from marc_import.pipeline import INSTANCE_FIELDS
from marc_import.services.export import to_iso2709, to_marcxml
from marc_import.services.importer import import_file
from tenants.catalogue.models import Instance
from tests.marc_import.conftest import FILES, INPUT

MARC21_XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[2] / "union" / "MARC21slim.xsd")))


def snapshot(library) -> dict:
    with tenant_context(library):
        return {
            i.control_number: ({f: getattr(i, f) for f in INSTANCE_FIELDS}, i.deleted,
                               sorted((h.location, h.call_number, tuple(sorted(str(x.barcode) for x in h.items.all())))
                                      for h in i.holdings.all()))
            for i in Instance.objects.prefetch_related("holdings__items")
        }


def exported(library, fn) -> bytes:
    with tenant_context(library):
        return fn(Instance.objects.order_by("id"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["sample_cnmarcxml.DERIVED.gb18030.iso", "sample_marcxml.xml", "test.dat",
                                  "marc8.dat", "chinese_mangled_multibyte.mrc"])
def test_round_trip_keeps_the_normalised_data(make_library, name):
    a, b, c = make_library("rt_a"), make_library("rt_b"), make_library("rt_c")
    source = FILES / name if (FILES / name).exists() else INPUT / name
    first = import_file(a, source)
    assert first.created > 0
    iso = exported(a, to_iso2709)
    xml = exported(a, to_marcxml)
    MARC21_XSD.assertValid(etree.fromstring(xml))  # UNIMARC records too, in the MARC 21 slim syntax
    assert import_file(b, io.BytesIO(iso)).created == first.created
    assert import_file(c, io.BytesIO(xml)).created == first.created
    assert snapshot(a) == snapshot(b) == snapshot(c)
    # Exported files are UTF-8 and say so (MARC 21 leader/09 = 'a').
    with tenant_context(a):
        formats = set(Instance.objects.values_list("record_format", flat=True))
    if formats == {"marc21"}:
        assert iso[9:10] == b"a"


@pytest.mark.django_db
def test_withdrawn_instance_exports_with_leader_d(library_a):
    import_file(library_a, INPUT / "marc21_holdings_952.mrc")
    with tenant_context(library_a):
        Instance.objects.update(deleted=True)
        data = to_iso2709(Instance.objects.all())
    assert data[5:6] == b"d"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["marc21", "unimarc"])
def test_instance_without_a_source_record_is_rebuilt_in_its_format(library_a, library_b, fmt):
    from tenants.catalogue.services.hrid import next_hrids

    with tenant_context(library_a):
        Instance.objects.create(
            hrid=next_hrids("instance", 1)[0], control_number="made-here", record_format=fmt, title="三体",
            responsibility="刘慈欣著", authors=[{"name": "刘慈欣", "role": "author", "type": "personal"}],
            publisher="重庆出版社", place="重庆", year=2008, extent="302页", clc=["I247.55"],
            isbns=[{"value": "9787536692930", "isbn13": "9787536692930", "valid": True, "qualifier": ""}],
            languages=["chi"], subjects=["科学幻想小说 -- 中国 -- 当代"], raw_record=b"", fingerprint="x",
        )
        data = to_iso2709(Instance.objects.all())
    job = import_file(library_b, io.BytesIO(data))
    assert job.created == 1
    with tenant_context(library_b):
        got = Instance.objects.get()
    assert got.record_format == fmt
    for field in ("title", "responsibility", "publisher", "place", "year", "extent", "clc", "isbns", "languages",
                  "subjects"):
        assert getattr(got, field) == {"title": "三体", "responsibility": "刘慈欣著", "publisher": "重庆出版社",
                                       "place": "重庆", "year": 2008, "extent": "302页", "clc": ["I247.55"],
                                       "isbns": [{"value": "9787536692930", "isbn13": "9787536692930",
                                                  "valid": True, "qualifier": ""}],
                                       "languages": ["chi"], "subjects": ["科学幻想小说 -- 中国 -- 当代"]}[field]


EDITS = {
    "title": "新的题名",
    "other_title": "中学版",
    "responsibility": "张三主编",
    "publisher": "新星出版社",
    "place": "上海",
    "year": 2021,
    "extent": "320页",
    "summary": "本书介绍了新的内容。",
    "authors": [{"name": "李四", "role": "editor", "type": "personal"},
                {"name": "中国数学学会", "role": "author", "type": "corporate"}],
    "subjects": ["数学 -- 教学参考资料", "代数"],
    "clc": ["O13", "G634.6"],
    "series": ["新世纪丛书"],
    "languages": ["chi", "eng"],
    "parallel_titles": ["A new title"],
}


def _sources():
    from marc_import.pipeline import Options, process
    from marc_import.records import iter_records

    out = []
    for name in ("cnmarc_utf8.mrc", "cnmarc_gb18030.mrc", "marc21_gbk.mrc", "marc21_marc8_latin.mrc"):
        for source in iter_records(io.BytesIO((INPUT / name).read_bytes())):
            result = process(source, Options())
            out.append(pytest.param(result, id=f"{name}-{source.position}"))
    out.append(pytest.param(next(
        process(s, Options()) for s in iter_records(io.BytesIO((FILES / "test.dat").read_bytes()))
    ), id="test.dat-1"))
    return out


@pytest.mark.parametrize("result", _sources())
@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_is_written_into_the_source_record(result, name):
    """What a cataloguer changes in the union catalogue reaches the stored MARC, and nothing else
    in it changes: mapping the patched record gives the edited value and the old other values."""
    from marc_import.mapping import map_record
    from marc_import.records import parse_iso2709
    from marc_import.services.export import patch_source_record

    before = dict(result["instance"])
    instance = Instance(raw_record=result["raw"], **{f: before[f] for f in INSTANCE_FIELDS})
    setattr(instance, name, EDITS[name])
    patched = patch_source_record(instance, [name])
    record, _enc = parse_iso2709(patched, encoding="utf-8", flavour=result["flavour"])
    after = map_record(record, result["flavour"])
    assert after[name] == EDITS[name]
    for other in INSTANCE_FIELDS:
        if other != name:
            assert after[other] == before[other], other


@pytest.mark.parametrize("result", _sources())
def test_many_edits_at_once_reach_the_source_record(result):
    from marc_import.mapping import map_record
    from marc_import.records import parse_iso2709
    from marc_import.services.export import patch_source_record

    before = dict(result["instance"])
    instance = Instance(raw_record=result["raw"], **{f: before[f] for f in INSTANCE_FIELDS})
    for name, value in EDITS.items():
        setattr(instance, name, value)
    record, _enc = parse_iso2709(patch_source_record(instance, EDITS), encoding="utf-8", flavour=result["flavour"])
    after = map_record(record, result["flavour"])
    assert {name: after[name] for name in EDITS} == EDITS
    assert after["isbns"] == before["isbns"] and after["control_numbers"] == before["control_numbers"]
