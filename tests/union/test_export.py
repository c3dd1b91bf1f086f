"""The union export writes a union record with the same MARC writer as the local export writes an
instance: the same bibliographic data gives the same bibliographic fields, in both formats.
Unsaved models: no database."""

from __future__ import annotations

import datetime as dt

import pymarc
import pytest

from marc_import.services import export as local_export
from tenants.catalogue.models import Instance
from union.models import UnionRecord
from union.services import export as union_export

MOMENT = dt.datetime(2023, 9, 1, 10, 30, 0, tzinfo=dt.UTC)
SHARED = {
    "title": "红楼梦", "other_title": "脂评本", "parallel_titles": ["A dream of red mansions"], "volume": "上册",
    "responsibility": "曹雪芹著 ; 高鹗续", "edition": "第3版", "publisher": "人民文学出版社", "place": "北京",
    "year": 1982, "extent": "1606页", "series": ["中国古典文学读本丛书"], "issns": [], "languages": ["chi"],
    "clc": ["I242.47"], "subjects": ["章回小说 -- 中国 -- 清代"], "summary": "清代长篇小说。",
    "material_type": "book", "control_numbers": [{"type": "calis", "value": "(CALIS)0123456"}],
    "authors": [{"name": "曹雪芹", "role": "author", "type": "personal"},
                {"name": "高鹗", "role": "editor", "type": "personal"},
                {"name": "红楼梦研究所", "role": "editor", "type": "corporate"}],
}
# Who issued the record and how it is identified: these differ between a library and the union.
IDENTITY = {"001", "003", "801"}


def bibliographic(data: bytes) -> tuple:
    record = next(iter(pymarc.MARCReader(data, to_unicode=True, force_utf8=True)))
    fields = tuple((f.tag, f.data) if f.is_control_field() else (f.tag, tuple(f.indicators), tuple(f.subfields))
                   for f in record.fields if f.tag not in IDENTITY)
    leader = str(record.leader)
    return leader[5:12] + leader[17:], fields  # not the lengths, which depend on 001 and 003


@pytest.mark.parametrize(("record_format", "fmt"), [("marc21", "marc21"), ("unimarc", "cnmarc")])
def test_a_library_and_the_union_write_the_same_bibliographic_fields(record_format, fmt):
    instance = Instance(hrid="in00000001", control_number="local-1", record_format=record_format, raw_record=b"",
                        isbns=[{"value": "9787020002207", "isbn13": "9787020002207", "valid": True, "qualifier": ""}],
                        created_at=MOMENT, updated_at=MOMENT, **SHARED)
    union_record = UnionRecord(urid="U0000000042", record_format=record_format, isbns=["9787020002207"],
                               created_at=MOMENT, updated_at=MOMENT, **SHARED)
    local = local_export.to_iso2709([instance])
    union = union_export.to_iso2709(union_record, fmt, holdings=[])
    assert bibliographic(local) == bibliographic(union)
    assert len(bibliographic(union)[1]) > 15  # every shared field was written, not just a few
    title = "245" if fmt == "marc21" else "200"
    assert pymarc.Record(data=union, force_utf8=True)[title]["a"] == "红楼梦"


def test_the_union_record_names_itself_and_the_union():
    union_record = UnionRecord(urid="U0000000042", created_at=MOMENT, updated_at=MOMENT, **SHARED)
    marc21 = union_export.build(union_record, "marc21", holdings=[])
    assert (marc21["001"].data, marc21["003"].data) == ("U0000000042", union_export.AGENCY)
    cnmarc = union_export.build(union_record, "cnmarc", holdings=[])
    assert cnmarc["001"].data == "U0000000042" and cnmarc["801"]["b"] == union_export.AGENCY
