"""Export union records as MARC 21 or CNMARC, in ISO 2709 or MARCXML.

Records are written from the union record's fields (the master record's data, with every
member's ISBNs), so an edition catalogued in CNMARC by one member can be exported as MARC 21
and the other way round. Each record carries its union record id (001) and one holdings field
per member library (MARC 21 852, CNMARC 905) with the call number and copies. The records come
from marc_import's writers, the same as a library's own export, so the same data gives the same
fields. MARCXML is valid against the MARC 21 slim schema shipped beside this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import pymarc
from lxml import etree

from marc_import import marcxml, writer
from union.models import UnionRecord

FORMATS = ("marc21", "cnmarc")
SYNTAXES = ("iso2709", "marcxml")
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "MARC21slim.xsd"
AGENCY = "UNIONCAT"


def describe(union_record: UnionRecord) -> writer.Description:
    """The writer's description of a union record (its ISBNs are normalised ISBN-13 strings)."""
    return writer.Description(
        **{name: getattr(union_record, name) for name in writer.BIBLIOGRAPHIC_FIELDS},
        isbns=[writer.Isbn(isbn) for isbn in union_record.isbns],
        control_number=union_record.urid,
        agency=AGENCY,
        entered=union_record.created_at,
        changed=union_record.updated_at,
    )


def holdings_of(union_record: UnionRecord) -> list[writer.Holding]:
    """The holdings summary the consortium publishes: library, call number and copy counts.

    Holdings fetched with ``prefetch_related("holdings__library")`` are used as they are, so a
    harvest page or a search page costs no query per record.
    """
    prefetched = getattr(union_record, "_prefetched_objects_cache", {}).get("holdings")
    if prefetched is not None:
        rows = sorted(prefetched, key=lambda h: (h.library.code, h.instance_id))
    else:
        rows = union_record.holdings.select_related("library").order_by("library__code", "instance_id")
    return [writer.Holding(h.library.code, h.library.name, h.call_number, h.items_total, h.items_available)
            for h in rows]


def build(union_record: UnionRecord, fmt: str, holdings: list[writer.Holding] | None = None) -> pymarc.Record:
    """The union record in ``fmt`` (marc21|cnmarc), with its holdings unless ``holdings`` is given."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return writer.write(describe(union_record), fmt, holdings_of(union_record) if holdings is None else holdings)


def to_iso2709(union_record: UnionRecord, fmt: str = "marc21", holdings: list | None = None) -> bytes:
    return build(union_record, "cnmarc" if fmt == "unimarc" else fmt, holdings).as_marc()


def export(records: Iterable[UnionRecord], fmt: str = "marc21", syntax: str = "iso2709") -> Iterator[bytes]:
    """Stream the records, in ``fmt`` (marc21|cnmarc) and ``syntax`` (iso2709|marcxml)."""
    if fmt not in FORMATS or syntax not in SYNTAXES:
        raise ValueError(f"{fmt}/{syntax}")
    if syntax == "marcxml":
        # CNMARC too goes in the MARC 21 slim syntax, so every export validates against one schema.
        yield from marcxml.collection(build(union_record, fmt) for union_record in records)
    else:
        for union_record in records:
            yield to_iso2709(union_record, fmt)


@lru_cache(maxsize=1)
def marcxml_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate_marcxml(data: bytes) -> list[str]:
    """Errors of a MARCXML document against the MARC 21 slim schema (empty when valid)."""
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
