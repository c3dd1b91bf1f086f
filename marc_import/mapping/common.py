"""Helpers shared by the MARC 21 and UNIMARC mappings (pure functions)."""

from __future__ import annotations

import re

from core.isbn import isbn13 as canonical_isbn13

_TRAIL = " /:;,=+."
# Non-sorting markers (NSB/NSE in UNIMARC, C1 controls in MARC 21) are not part of the text.
_NON_SORTING = {0x88: None, 0x89: None, 0x98: None, 0x9C: None}
_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")


_LEAD = " /:;,=+"
# A full stop after an initial or a short abbreviation ("J.", "p.", "..."). A match is at most
# five characters long and its \b looks at one more, so six characters before the end decide.
_ABBREVIATION_END = re.compile(r"(\b[A-Z]|\b[a-z]{1,3}|\.\.)\.$")
_TRAIL_SET = frozenset(_TRAIL)


def clean(value: str | None) -> str:
    """Strip ISBD punctuation and brackets left at the ends of a subfield."""
    if not value:
        return ""
    if "\x88" in value or "\x89" in value or "\x98" in value or "\x9c" in value:
        value = value.translate(_NON_SORTING)
    text = value.strip()
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    if not text or (text[-1] not in _TRAIL_SET and text[0] not in _LEAD and text[0] != "["):
        return text
    # Indexes, not slices: slicing a long run such as " . . . ." one mark at a time was
    # quadratic (minutes for an 80 KB title); each character is now looked at once.
    end = len(text)
    while end and text[end - 1] in _TRAIL:
        # The abbreviation test looks at a few characters before the stop, never the whole text.
        if text[end - 1] == "." and _ABBREVIATION_END.search(text[max(0, end - 6) : end]):
            break  # keep the full stop of an abbreviation or initial ("p.", "J.")
        end -= 1
        while end and text[end - 1].isspace():
            end -= 1
    start = 0
    while start < end and text[start] in _LEAD:
        start += 1
        while start < end and text[start].isspace():
            start += 1
    text = text[start:end]
    if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
        text = text[1:-1].strip()
    return text


def subfields(field, *codes: str) -> list[str]:
    return [s.value for s in field.subfields if s.code in codes and s.value and not s.value.isspace()]


def first(field, *codes: str) -> str:
    values = subfields(field, *codes)
    return clean(values[0]) if values else ""


def joined(field, codes: str, sep: str = " ") -> str:
    return clean(sep.join(clean(v) for v in subfields(field, *codes) if clean(v)))


_LAST: tuple = (None, 0, {})


def _index(record) -> dict:
    """Data fields by tag, built once per record (mappings look up some twenty tags)."""
    global _LAST
    cached = _LAST
    if cached[0] is record and cached[1] == len(record.fields):
        return cached[2]
    index: dict[str, list] = {}
    for f in record.fields:
        if not f.control_field:
            index.setdefault(f.tag, []).append(f)
    _LAST = (record, len(record.fields), index)
    return index


def datafields(record, *tags: str):
    index = _index(record)
    if len(tags) == 1:
        return index.get(tags[0], [])
    return [f for f in record.fields if f.tag in tags and not f.control_field]


def control(record, tag: str) -> str:
    for f in record.fields:
        if f.tag == tag and f.is_control_field():
            return (f.data or "").strip()
    return ""


def year_from(text: str | None) -> int | None:
    if not text:
        return None
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


_QUALIFIER = re.compile(r"^\s*([0-9Xx\-\s]{9,17})\s*(?:\((.*?)\))?\s*(.*)$")


def isbn_entry(raw: str, qualifier: str = "", *, cancelled: bool = False) -> dict | None:
    """{value, isbn13, valid, qualifier}; invalid ISBNs are kept with valid=False."""
    raw = (raw or "").strip()
    if not raw:
        return None
    value, qual = raw, qualifier
    match = _QUALIFIER.match(raw)
    if match:
        value = match.group(1).strip()
        qual = qual or clean(match.group(2) or match.group(3) or "")
    # A cancelled ISBN ($z) keeps valid=False even when its check digit is right.
    isbn13 = "" if cancelled else canonical_isbn13(value) or ""
    return {"value": value, "isbn13": isbn13, "valid": bool(isbn13), "qualifier": clean(qual)}


def dedupe(values):
    seen, out = set(), []
    for v in values:
        key = tuple(sorted(v.items())) if isinstance(v, dict) else v
        if v and key not in seen:
            seen.add(key)
            out.append(v)
    return out


def stable_key(instance: dict) -> str:
    """A match key for records without 001: their first 035 (or CALIS/OCLC number), else "".

    A record with neither is keyed on all of its mapped data when its rows are prepared
    (``pipeline.prepared_rows``): a hash of a few fields made different editions overwrite each other.
    """
    for cn in instance.get("control_numbers", []):
        if cn["type"] in ("035", "calis", "oclc"):
            return f"{cn['type']}:{cn['value']}"[:100]
    return ""


EMPTY_INSTANCE = {
    "control_number": "",
    "record_format": "",
    "title": "",
    "other_title": "",
    "parallel_titles": [],
    "volume": "",
    "responsibility": "",
    "authors": [],
    "edition": "",
    "publisher": "",
    "place": "",
    "year": None,
    "extent": "",
    "series": [],
    "isbns": [],
    "issns": [],
    "languages": [],
    "clc": [],
    "ddc": [],
    "lcc": [],
    "subjects": [],
    "summary": "",
    "material_type": "book",
    "control_numbers": [],
    "price": "",
    "encoding_level": "",
    "deleted": False,
}


def new_instance(fmt: str) -> dict:
    data = {k: (list(v) if isinstance(v, list) else v) for k, v in EMPTY_INSTANCE.items()}
    data["record_format"] = fmt
    return data


def truncate(data: dict) -> dict:
    """Keep values inside the model's column sizes."""
    for name, size in (("volume", 200), ("edition", 300), ("publisher", 300), ("place", 300), ("extent", 300),
                       ("price", 100), ("control_number", 100)):
        if len(data[name]) > size:
            data[name] = data[name][: size - 1] + "…"
    return data
