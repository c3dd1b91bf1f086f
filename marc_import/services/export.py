"""Export instances back to ISO 2709 or MARCXML in their original record format.

An imported instance keeps its source record (as UTF-8 ISO 2709), which is written back as it
came, with leader/05 = 'd' when withdrawn. An instance without a stored record is rebuilt from its
normalised fields in its record format (MARC 21 or UNIMARC).
"""

from __future__ import annotations

from collections.abc import Iterable

import pymarc

from marc_import import marcxml, writer
from marc_import.mapping import map_record
from marc_import.records import parse_iso2709
from tenants.catalogue.models import Instance


def describe(instance: Instance) -> writer.Description:
    """The writer's description of an instance (its ISBNs are entries that say if they are valid)."""
    return writer.Description(
        **{name: getattr(instance, name) for name in writer.BIBLIOGRAPHIC_FIELDS},
        isbns=[writer.Isbn(str(entry.get("value") or ""), bool(entry.get("valid")), entry.get("qualifier") or "")
               for entry in instance.isbns],
        price=instance.price,
        control_number=instance.control_number,
        entered=instance.created_at,
        changed=instance.updated_at,
    )


def build_record(instance: Instance) -> pymarc.Record:
    """A MARC record made from an instance's normalised fields (for instances not imported from MARC)."""
    return writer.write(describe(instance), instance.record_format or "marc21")


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
    # UNIMARC records too go in the MARC 21 slim syntax: readers tell the format from the tags.
    return b"".join(marcxml.collection(instance_record(i) for i in instances))
