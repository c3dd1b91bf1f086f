"""Export instances back to ISO 2709 or MARCXML in their original record format.

An imported instance keeps its source record (as UTF-8 ISO 2709), which is written back as it
came, with leader/05 = 'd' when withdrawn. An instance without a stored record is rebuilt from its
normalised fields in its record format (MARC 21 or UNIMARC).
"""

from __future__ import annotations

from collections.abc import Iterable

import pymarc
from lxml import etree

from marc_import.mapping import map_record
from marc_import.mapping.unimarc import RELATORS as UNIMARC_RELATORS
from marc_import.records import parse_iso2709
from tenants.catalogue.models import Instance

UNIMARC_RELATOR_CODES = {name: code for code, name in UNIMARC_RELATORS.items()}

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
        rec.add_field(_field("200", "1 ", a=instance.title, d=instance.parallel_titles, e=instance.other_title,
                             f=instance.responsibility, h=instance.volume))
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
            rec.add_field(_field("701" if n else "700", " 0", a=a["name"], _4=_relator(a.get("role"))))
        for a in corporate:
            rec.add_field(_field("711", "02", a=a["name"], _4=_relator(a.get("role"))))
        return rec
    for i in instance.isbns:
        rec.add_field(_field("020", a=i.get("value") if i.get("valid") else None,
                             z=None if i.get("valid") else i.get("value"), q=i.get("qualifier"), c=instance.price))
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
    rec.add_field(_field("245", "10", a=instance.title, b=instance.other_title, n=instance.volume,
                         c=instance.responsibility))
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
    for a in corporate[(0 if personal else 1):]:
        rec.add_field(_field("710", "2 ", a=a["name"], e=a.get("role")))
    return rec


def _relator(role: str | None) -> str | None:
    """UNIMARC relator code for a role name ("author" -> "070"); unknown names stay as they are."""
    return UNIMARC_RELATOR_CODES.get(role or "", role)


# Where each field a cataloguer can edit lives in the source record.
# Single values: (tag, subfield) in the first such field; the publication field is found by _pub.
SCALARS = {
    "marc21": {"title": ("245", "a"), "other_title": ("245", "b"), "responsibility": ("245", "c"),
               "place": ("pub", "a"), "publisher": ("pub", "b"), "year": ("pub", "c"),
               "extent": ("300", "a"), "summary": ("520", "a")},
    "unimarc": {"title": ("200", "a"), "other_title": ("200", "e"), "responsibility": ("200", "f"),
                "place": ("210", "a"), "publisher": ("210", "c"), "year": ("210", "d"),
                "extent": ("215", "a"), "summary": ("330", "a")},
}
# Subfields that go with a single value: replacing the value removes them (they are read into it).
COMPANIONS = {("unimarc", "title"): "a", ("unimarc", "responsibility"): "fg", ("unimarc", "other_title"): "e",
              ("marc21", "other_title"): "b", ("marc21", "year"): "c", ("unimarc", "year"): "d"}


# The fields the mappings read each list field from, by tag; MARC 21 subjects (any 6XX), CLC
# classes (084 with $2 clc) and parallel titles (246 with second indicator 1) are tested below.
LIST_TAGS = {
    "marc21": {"authors": {"100", "110", "111", "700", "710", "711"}, "series": {"440", "490", "830"},
               "languages": {"041"}},
    "unimarc": {"authors": {"700", "701", "702", "710", "711", "712"},
                "subjects": {"600", "601", "602", "604", "605", "606", "607", "608", "610"}, "clc": {"690"},
                "series": {"225", "410"}, "languages": {"101"}, "parallel_titles": {"510"}},
}


def _in_group(flavour: str, name: str, field: pymarc.Field) -> bool:
    """Is ``field`` one the mapping reads list field ``name`` from?"""
    if field.is_control_field():
        return False
    tag = field.tag
    if flavour == "marc21":
        if name == "subjects":
            return tag.startswith("6") and tag[1:].isdigit()
        if name == "clc":
            scheme = " ".join(field.get_subfields("2")).lower()
            return tag == "084" and (scheme.startswith(("clc", "cclc")) or "中图" in scheme)
        if name == "parallel_titles":
            return tag == "246" and field.indicator2 == "1"
    return tag in LIST_TAGS[flavour].get(name, ())


def _pub(record: pymarc.Record) -> pymarc.Field:
    for field in record.get_fields("264"):
        if field.indicator2 == "1":
            return field
    found = record.get_fields("260")
    if found:
        return found[0]
    field = pymarc.Field(tag="264", indicators=pymarc.Indicators(" ", "1"), subfields=[])
    record.add_ordered_field(field)
    return field


def _set_value(record: pymarc.Record, flavour: str, name: str, value) -> None:
    tag, code = SCALARS[flavour][name]
    if tag == "pub":
        field = _pub(record)
    else:
        fields = record.get_fields(tag)
        field = fields[0] if fields else None
        if field is None:
            field = pymarc.Field(tag=tag, indicators=pymarc.Indicators(" ", " "), subfields=[])
            record.add_ordered_field(field)
        if name == "summary":  # the mapping joins every 520/330 $a: one is kept
            for extra in fields[1:]:
                record.remove_field(extra)
    text = "" if value is None else str(value)
    drop = COMPANIONS.get((flavour, name), code)
    position = next((i for i, sub in enumerate(field.subfields) if sub.code == code), None)
    kept = [sub for i, sub in enumerate(field.subfields) if sub.code not in drop or i == position]
    if position is None:
        # A new subfield goes before the first with a later code (a, b, c ... order).
        position = next((i for i, sub in enumerate(kept) if sub.code > code), len(kept))
        kept.insert(position, pymarc.Subfield(code, text))
    else:
        position = next(i for i, sub in enumerate(kept) if sub.code == code)
        kept[position] = pymarc.Subfield(code, text)
    field.subfields = [sub for sub in kept if sub.code != code or sub.value]
    if not field.subfields:
        record.remove_field(field)


def _replace_group(record: pymarc.Record, flavour: str, name: str, fresh: pymarc.Record) -> None:
    for field in [f for f in record.fields if _in_group(flavour, name, f)]:
        record.remove_field(field)
    for field in fresh.fields:
        if _in_group(flavour, name, field):
            record.add_ordered_field(field)
    if flavour == "unimarc" and name == "parallel_titles":  # 200$d, where the builder puts them
        for field in record.get_fields("200")[:1]:
            kept = [sub for sub in field.subfields if sub.code != "d"]
            at = next((i for i, sub in enumerate(kept) if sub.code > "d"), len(kept))
            titles = [sub for f in fresh.get_fields("200")[:1] for sub in f.subfields if sub.code == "d"]
            field.subfields = kept[:at] + titles + kept[at:]


def patch_source_record(instance: Instance, changed) -> bytes:
    """The instance's stored source record with the fields named in ``changed`` rewritten from the
    instance's values, everything else kept as it came (for edits made in the union catalogue).

    Single values are put into their subfield; lists (authors, subjects, classes, series,
    languages, parallel titles) replace the fields they are read from. The result is mapped
    again and any list that still reads differently is replaced as a whole, so the stored record
    always says what the instance says.
    """
    raw = bytes(instance.raw_record or b"")
    if not raw:
        return raw
    flavour = instance.record_format or "marc21"
    record, _enc = parse_iso2709(raw, encoding="utf-8", flavour=flavour)
    fresh = build_record(instance)
    changed = set(changed)
    for name in sorted(changed):
        if name in SCALARS[flavour]:
            _set_value(record, flavour, name, getattr(instance, name))
        else:
            _replace_group(record, flavour, name, fresh)
    mapped = map_record(record, flavour)
    for name in ("parallel_titles", "authors", "subjects", "clc", "series", "languages"):
        if mapped[name] != getattr(instance, name) and (name in changed or name == "parallel_titles"):
            _replace_group(record, flavour, name, fresh)
    if flavour == "marc21":
        record.leader = pymarc.Leader(str(record.leader)[:9] + "a" + str(record.leader)[10:])
    return record.as_marc()


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
                el = etree.SubElement(node, f"{{{MARC_NS}}}datafield", tag=field.tag,
                                      ind1=field.indicator1 or " ", ind2=field.indicator2 or " ")
                for sub in field.subfields:
                    s = etree.SubElement(el, f"{{{MARC_NS}}}subfield", code=sub.code)
                    s.text = sub.value
    return etree.tostring(collection, xml_declaration=True, encoding="UTF-8", pretty_print=True)
