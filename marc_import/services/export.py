"""Export instances back to ISO 2709 or MARCXML in their original record format.

An imported instance keeps its source record (as UTF-8 ISO 2709), which is written back as it
came, with leader/05 = 'd' when withdrawn. An instance without a stored record is rebuilt from its
normalised fields in its record format (MARC 21 or UNIMARC).
"""

from __future__ import annotations

from collections.abc import Iterable

import pymarc
from lxml import etree

from marc_import.records import parse_iso2709
from tenants.catalogue.models import Instance

MARC_NS = "http://www.loc.gov/MARC21/slim"


def _field(tag: str, ind: str = "  ", **subs) -> pymarc.Field:
    pairs = []
    for code, value in subs.items():
        for v in value if isinstance(value, list) else [value]:
            if v:
                pairs.append(pymarc.Subfield(code.lstrip("_"), str(v)))
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators(ind[0], ind[1]), subfields=pairs)


def build_record(instance: Instance) -> pymarc.Record:
    """A MARC record made from an instance's normalised fields (for instances not imported from MARC)."""
    rec = pymarc.Record(force_utf8=True, leader="00000nam a2200000 i 4500")
    if instance.control_number:
        rec.add_field(pymarc.Field(tag="001", data=instance.control_number))
    personal = [a for a in instance.authors if a.get("type") != "corporate"]
    corporate = [a for a in instance.authors if a.get("type") == "corporate"]
    if instance.record_format == "unimarc":
        rec.leader = pymarc.Leader("00000nam0 2200000   450 ")
        for i in instance.isbns:
            rec.add_field(_field("010", a=i.get("value"), b=i.get("qualifier"), d=instance.price))
        rec.add_field(_field("100", a=f"{'':8}d{instance.year or '    '}    em y0chiy50      ea"))
        if instance.languages:
            rec.add_field(_field("101", "0 ", a=instance.languages))
        rec.add_field(
            _field(
                "200",
                "1 ",
                a=instance.title,
                d=instance.parallel_titles,
                e=instance.other_title,
                f=instance.responsibility,
                h=instance.volume,
            )
        )
        if instance.edition:
            rec.add_field(_field("205", a=instance.edition))
        rec.add_field(_field("210", a=instance.place, c=instance.publisher, d=instance.year))
        if instance.extent:
            rec.add_field(_field("215", a=instance.extent))
        for s in instance.series:
            rec.add_field(_field("225", "2 ", a=s))
        if instance.summary:
            rec.add_field(_field("330", a=instance.summary))
        for s in instance.subjects:
            rec.add_field(_field("606", "0 ", a=s))
        for c in instance.clc:
            rec.add_field(_field("690", a=c, v="5"))
        for n, a in enumerate(personal):
            rec.add_field(_field("701" if n else "700", " 0", a=a["name"], _4=a.get("role")))
        for a in corporate:
            rec.add_field(_field("711", "02", a=a["name"], _4=a.get("role")))
        return rec
    for i in instance.isbns:
        rec.add_field(
            _field(
                "020",
                a=i.get("value") if i.get("valid") else None,
                z=None if i.get("valid") else i.get("value"),
                q=i.get("qualifier"),
                c=instance.price,
            )
        )
    for s in instance.issns:
        rec.add_field(_field("022", a=s))
    if instance.languages:
        rec.add_field(_field("041", a=instance.languages))
    for c in instance.clc:
        rec.add_field(_field("084", a=c, _2="clc"))
    if personal:
        rec.add_field(_field("100", "1 ", a=personal[0]["name"], e=personal[0].get("role")))
    elif corporate:
        rec.add_field(_field("110", "2 ", a=corporate[0]["name"], e=corporate[0].get("role")))
    rec.add_field(
        _field(
            "245",
            "10",
            a=instance.title,
            b=instance.other_title,
            n=instance.volume,
            c=instance.responsibility,
        )
    )
    for p in instance.parallel_titles:
        rec.add_field(_field("246", "31", a=p))
    if instance.edition:
        rec.add_field(_field("250", a=instance.edition))
    rec.add_field(_field("264", " 1", a=instance.place, b=instance.publisher, c=instance.year))
    if instance.extent:
        rec.add_field(_field("300", a=instance.extent))
    for s in instance.series:
        rec.add_field(_field("490", "0 ", a=s))
    if instance.summary:
        rec.add_field(_field("520", a=instance.summary))
    for s in instance.subjects:
        rec.add_field(_field("650", " 4", a=s))
    for a in personal[1:]:
        rec.add_field(_field("700", "1 ", a=a["name"], e=a.get("role")))
    for a in corporate[(0 if personal else 1) :]:
        rec.add_field(_field("710", "2 ", a=a["name"], e=a.get("role")))
    return rec


def instance_record(instance: Instance) -> pymarc.Record:
    raw = bytes(instance.raw_record or b"")
    if raw:
        record, _enc = parse_iso2709(raw, encoding="utf-8", flavour=instance.record_format or "marc21")
    else:
        record = build_record(instance)
    leader = str(record.leader)
    status = "d" if instance.deleted else ("n" if leader[5] == "d" else leader[5])
    record.leader = pymarc.Leader(leader[:5] + status + leader[6:])
    return record


def to_iso2709(instances: Iterable[Instance]) -> bytes:
    return b"".join(instance_record(i).as_marc() for i in instances)


def to_marcxml(instances: Iterable[Instance]) -> bytes:
    collection = etree.Element(f"{{{MARC_NS}}}collection", nsmap={None: MARC_NS})
    for instance in instances:
        record = instance_record(instance)
        node = etree.SubElement(collection, f"{{{MARC_NS}}}record")
        if instance.record_format == "unimarc":
            node.set("format", "UNIMARC")
        etree.SubElement(node, f"{{{MARC_NS}}}leader").text = str(record.leader)
        for field in record.fields:
            if field.is_control_field():
                el = etree.SubElement(node, f"{{{MARC_NS}}}controlfield", tag=field.tag)
                el.text = field.data
            else:
                el = etree.SubElement(
                    node,
                    f"{{{MARC_NS}}}datafield",
                    tag=field.tag,
                    ind1=field.indicator1 or " ",
                    ind2=field.indicator2 or " ",
                )
                for sub in field.subfields:
                    s = etree.SubElement(el, f"{{{MARC_NS}}}subfield", code=sub.code)
                    s.text = sub.value
    return etree.tostring(collection, xml_declaration=True, encoding="UTF-8", pretty_print=True)
