"""Export union records as MARC 21 or CNMARC, in ISO 2709 or MARCXML.

Records are written from the union record's fields (the master record's data, with every
member's ISBNs), so an edition catalogued in CNMARC by one member can be exported as MARC 21
and the other way round. Each record carries its union record id (001) and one holdings field
per member library (MARC 21 852, CNMARC 905) with the call number and copies. MARCXML is
valid against the MARC 21 slim schema shipped beside this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import pymarc
from django.utils import timezone

from union.models import UnionRecord

FORMATS = ("marc21", "cnmarc")
SYNTAXES = ("iso2709", "marcxml")
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "MARC21slim.xsd"
MARCXML_NS = "http://www.loc.gov/MARC21/slim"

_MARC21_TYPE = {"book": "a", "serial": "a", "score": "c", "map": "e", "video": "g", "audio": "j",
                "electronic": "m", "manuscript": "t", "mixed": "p", "other": "a"}
_LANG = {"chi": "chi", "zh": "chi", "eng": "eng", "en": "eng"}


def _field(tag: str, ind: str, pairs: Iterable[tuple[str, str]]) -> pymarc.Field | None:
    subfields = [pymarc.Subfield(code, str(value)) for code, value in pairs if value not in (None, "")]
    if not subfields:
        return None
    return pymarc.Field(tag=tag, indicators=[ind[0], ind[1]], subfields=subfields)


def _add(record: pymarc.Record, field: pymarc.Field | None) -> None:
    if field is not None:
        record.add_field(field)


def _holdings(union_record: UnionRecord) -> list:
    return list(union_record.holdings.select_related("library").order_by("library__code", "instance_id"))


def _control_035(entry: dict) -> str:
    value = str(entry.get("value") or "").strip()
    kind = str(entry.get("type") or "").lower()
    if not value or kind in ("001",):
        return ""
    if value.startswith("("):
        return value
    prefix = {"oclc": "(OCoLC)", "calis": "(CALIS)", "nbn": "(NLC)", "union": "(UNION)"}.get(kind)
    return f"{prefix}{value}" if prefix else ""


def build_marc21(union_record: UnionRecord, holdings: list | None = None) -> pymarc.Record:
    r = union_record
    leader = list("00000nam a2200000 i 4500")
    leader[6] = _MARC21_TYPE.get(r.material_type, "a")
    leader[7] = "s" if r.material_type == "serial" else "m"
    record = pymarc.Record(force_utf8=True, leader="".join(leader))
    record.add_field(pymarc.Field(tag="001", data=r.urid))
    record.add_field(pymarc.Field(tag="003", data="UNIONCAT"))
    record.add_field(pymarc.Field(tag="005", data=timezone.now().strftime("%Y%m%d%H%M%S.0")))
    year = f"{r.year:04d}" if r.year and 0 < r.year < 10000 else "    "
    lang = _LANG.get((r.languages or ["und"])[0], (r.languages or ["und"])[0][:3].ljust(3))
    f008 = (r.created_at or timezone.now()).strftime("%y%m%d") + ("s" if r.year else "n") + year + "    " + "cc "
    f008 = f008.ljust(35) + lang + " d"
    record.add_field(pymarc.Field(tag="008", data=f008[:40].ljust(40)))
    for isbn in r.isbns:
        _add(record, _field("020", "  ", [("a", isbn)]))
    for issn in r.issns:
        _add(record, _field("022", "  ", [("a", issn)]))
    for entry in r.control_numbers:
        _add(record, _field("035", "  ", [("a", _control_035(entry))]))
    for clc in r.clc:
        _add(record, _field("084", "  ", [("a", clc), ("2", "clc")]))
    authors = list(r.authors or [])
    if authors:
        first = authors[0]
        tag = "110" if first.get("type") == "corporate" else "100"
        _add(record, _field(tag, "1 " if tag == "100" else "2 ", [("a", first.get("name")), ("e", first.get("role"))]))
    _add(record, _field("245", ("1" if authors else "0") + "0", [
        ("a", r.title), ("b", r.other_title), ("n", r.volume), ("c", r.responsibility)]))
    for parallel in r.parallel_titles:
        _add(record, _field("246", "31", [("a", parallel)]))
    _add(record, _field("250", "  ", [("a", r.edition)]))
    _add(record, _field("264", " 1", [("a", r.place), ("b", r.publisher), ("c", str(r.year) if r.year else "")]))
    _add(record, _field("300", "  ", [("a", r.extent)]))
    for series in r.series:
        _add(record, _field("490", "0 ", [("a", series)]))
    _add(record, _field("520", "  ", [("a", r.summary)]))
    for subject in r.subjects:
        _add(record, _field("650", " 4", [("a", subject)]))
    for author in authors[1:]:
        tag = "710" if author.get("type") == "corporate" else "700"
        _add(record, _field(tag, "1 " if tag == "700" else "2 ", [("a", author.get("name")), ("e", author.get("role"))]))
    for holding in holdings if holdings is not None else _holdings(r):
        _add(record, _field("852", "  ", [
            ("a", holding.library.code), ("b", holding.library.name), ("h", holding.call_number),
            ("t", str(holding.items_total)), ("z", f"available {holding.items_available}")]))
    return record


def build_cnmarc(union_record: UnionRecord, holdings: list | None = None) -> pymarc.Record:
    r = union_record
    leader = list("00000nam0 2200000   4500")
    leader[6] = {"score": "c", "map": "e", "video": "g", "audio": "j", "electronic": "l",
                 "manuscript": "b"}.get(r.material_type, "a")
    leader[7] = "s" if r.material_type == "serial" else "m"
    record = pymarc.Record(force_utf8=True, leader="".join(leader))
    record.add_field(pymarc.Field(tag="001", data=r.urid))
    record.add_field(pymarc.Field(tag="005", data=timezone.now().strftime("%Y%m%d%H%M%S.0")))
    for isbn in r.isbns:
        _add(record, _field("010", "  ", [("a", isbn)]))
    for issn in r.issns:
        _add(record, _field("011", "  ", [("a", issn)]))
    for entry in r.control_numbers:
        _add(record, _field("035", "  ", [("a", _control_035(entry))]))
    year = f"{r.year:04d}" if r.year and 0 < r.year < 10000 else "    "
    general = (r.created_at or timezone.now()).strftime("%Y%m%d") + ("d" if r.year else "u") + year + "    "
    general += "em y0chiy50      ea"
    _add(record, _field("100", "  ", [("a", general[:36].ljust(36))]))
    for lang in r.languages or []:
        _add(record, _field("101", "0 ", [("a", lang)]))
    _add(record, _field("200", "1 ", [
        ("a", r.title), ("d", (r.parallel_titles or [""])[0]), ("e", r.other_title), ("h", r.volume),
        ("f", r.responsibility)]))
    _add(record, _field("205", "  ", [("a", r.edition)]))
    _add(record, _field("210", "  ", [("a", r.place), ("c", r.publisher), ("d", str(r.year) if r.year else "")]))
    _add(record, _field("215", "  ", [("a", r.extent)]))
    for series in r.series:
        _add(record, _field("225", "2 ", [("a", series)]))
    _add(record, _field("330", "  ", [("a", r.summary)]))
    for subject in r.subjects:
        _add(record, _field("606", "0 ", [("a", subject)]))
    for clc in r.clc:
        _add(record, _field("690", "  ", [("a", clc), ("v", "5")]))
    for n, author in enumerate(r.authors or []):
        corporate = author.get("type") == "corporate"
        tag = ("711" if n == 0 else "712") if corporate else ("701" if n == 0 else "702")
        _add(record, _field(tag, "02" if corporate else " 0", [("a", author.get("name")), ("4", author.get("role"))]))
    _add(record, _field("801", " 2", [("a", "CN"), ("b", "UNIONCAT"), ("c", timezone.now().strftime("%Y%m%d"))]))
    for holding in holdings if holdings is not None else _holdings(r):
        _add(record, _field("905", "  ", [
            ("a", holding.library.code), ("d", holding.call_number), ("f", str(holding.items_total))]))
    return record


def build(union_record: UnionRecord, fmt: str, holdings: list | None = None) -> pymarc.Record:
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return (build_marc21 if fmt == "marc21" else build_cnmarc)(union_record, holdings)


def to_iso2709(union_record: UnionRecord, fmt: str = "marc21", holdings: list | None = None) -> bytes:
    return build(union_record, "cnmarc" if fmt == "unimarc" else fmt, holdings).as_marc()


def to_marcxml_record(union_record: UnionRecord, fmt: str = "marc21", holdings: list | None = None) -> bytes:
    """One <record> element (no namespace declaration: it sits in a <collection>)."""
    record = build(union_record, fmt, holdings)
    parts = ["<record>", f"<leader>{escape(str(record.leader))}</leader>"]
    for field in record.fields:
        if field.is_control_field():
            parts.append(f'<controlfield tag="{field.tag}">{escape(field.data)}</controlfield>')
            continue
        ind1, ind2 = field.indicators[0], field.indicators[1]
        parts.append(f'<datafield tag="{field.tag}" ind1="{escape(ind1)}" ind2="{escape(ind2)}">')
        for sub in field.subfields:
            parts.append(f'<subfield code="{escape(sub.code)}">{escape(_xml_safe(sub.value))}</subfield>')
        parts.append("</datafield>")
    parts.append("</record>")
    return "".join(parts).encode("utf-8")


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def export(records: Iterable[UnionRecord], fmt: str = "marc21", syntax: str = "iso2709") -> Iterator[bytes]:
    """Stream the records, in ``fmt`` (marc21|cnmarc) and ``syntax`` (iso2709|marcxml)."""
    if fmt not in FORMATS or syntax not in SYNTAXES:
        raise ValueError(f"{fmt}/{syntax}")
    if syntax == "marcxml":
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{MARCXML_NS}">\n'.encode()
    for union_record in records:
        if syntax == "marcxml":
            yield to_marcxml_record(union_record, fmt) + b"\n"
        else:
            yield to_iso2709(union_record, fmt)
    if syntax == "marcxml":
        yield b"</collection>\n"


@lru_cache(maxsize=1)
def marcxml_schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate_marcxml(data: bytes) -> list[str]:
    """Errors of a MARCXML document against the MARC 21 slim schema (empty when valid)."""
    from lxml import etree

    schema = marcxml_schema()
    document = etree.fromstring(data)
    if schema.validate(document):
        return []
    return [str(error) for error in schema.error_log]


def filtered(q: str = "", library=None, region=None, material_type: str = "", updated_since=None,
             include_deleted: bool = False):
    """The union records of a whole consortium, or those matching the filters."""
    qs = UnionRecord.objects.all() if include_deleted else UnionRecord.objects.filter(deleted=False)
    if q:
        qs = qs.filter(title__icontains=q)
    if library is not None:
        qs = qs.filter(holdings__library=library)
    if region is not None:
        qs = qs.filter(holdings__library__region_id__in=region.descendant_ids())
    if material_type:
        qs = qs.filter(material_type=material_type)
    if updated_since:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.distinct().order_by("id")
