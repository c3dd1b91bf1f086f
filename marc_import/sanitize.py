"""Every value an import hands to the database is one PostgreSQL can store and XML can carry.

Source records bring characters no column can take: PostgreSQL refuses NUL in text and in jsonb
(a NUL in one 001 used to fail the whole import at COPY), UTF-8 has no encoding for a lone
surrogate, and XML 1.0 cannot carry the other C0 control characters (tab, newline and carriage
return apart) nor U+FFFE and U+FFFF, while the catalogue is served as MARCXML, OAI-PMH and SRU.
Bounded columns refuse longer values.

This is the one place that makes a mapped record storable; the pipeline applies it to every
record before the writer sees it. Control characters are dropped, lone surrogates become
U+FFFD (the replacement character says something was lost), bounded values are cut to their
column. Text that merely spells an escape (the six characters ``\\u0000`` in a subject) is
ordinary text and is stored as it is.

Almost every record is clean, so the pipeline first asks ``needs_cleaning`` of the record's
prepared lines (one scan of each in C) and calls ``storable_record`` only for the few it flags.
"""

from __future__ import annotations

import re

# What no column takes: C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF; lone
# surrogates (a str holds surrogates only when something decoded bytes leniently).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# In a prepared COPY line JSON values carry a control character as an escape (json.dumps writes
# \u0000 to \u001f, and \b, \f for two of them; COPY doubles the backslash). Text that only
# looks like such an escape is flagged too and comes back unchanged.
_ESCAPED = re.compile(r"\\(?:u00[01][0-9a-fA-F]|[bf])")

# Column sizes (varchar lengths of the catalogue models; a test keeps them in step).
INSTANCE_LIMITS = {
    "control_number": 100, "record_format": 10, "volume": 200, "edition": 300, "publisher": 300,
    "place": 300, "extent": 300, "material_type": 12, "price": 100, "encoding_level": 2,
}
HOLDINGS_LIMITS = {"location": 100, "call_number": 200}
ITEM_LIMITS = {"barcode": 60, "status": 20, "volume": 100, "copy_number": 20}
QUARANTINE_LIMITS = {"reason": 2000, "control_number": 100}


def _replace(match: re.Match) -> str:
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""


def storable_text(text: str) -> str:
    """``text`` without what no column can take (see the module docstring)."""
    return _UNSTORABLE.sub(_replace, text) if _UNSTORABLE.search(text) else text


def storable(value):
    """``value`` (text, or lists and dicts of them, as in JSON columns) made storable throughout."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable_text(k): storable(v) for k, v in value.items()}
    return value


def _bounded(data: dict, limits: dict[str, int], mark: str = "") -> None:
    """Cut values to their column; ``mark`` ends a cut text (the mapping marks shortened
    descriptive text with "…"; codes such as barcodes are simply cut, as the mapping does)."""
    for name, size in limits.items():
        value = data.get(name)
        if isinstance(value, str) and len(value) > size:
            data[name] = value[: size - len(mark)] + mark


def _over_long(data: dict, limits: tuple[tuple[str, int], ...]) -> bool:
    for name, size in limits:
        if len(data[name] or "") > size:
            return True
    return False


# The same tables as pairs, for the check every record goes through.
_INSTANCE_BOUNDS = tuple(INSTANCE_LIMITS.items())
_HOLDINGS_BOUNDS = tuple(HOLDINGS_LIMITS.items())
_ITEM_BOUNDS = tuple(ITEM_LIMITS.items())


def _suspect(line: str) -> bool:
    # Two scans in C; the second only for the few lines with a backslash at all (a single
    # expression with both alternatives tried every position, several times slower).
    return _UNSTORABLE.search(line) is not None or ("\\" in line and _ESCAPED.search(line) is not None)


def needs_cleaning(instance: dict, holdings: list[dict], line: str, hlines: list) -> bool:
    """Whether a mapped record or its prepared lines hold anything ``storable_record`` changes."""
    if _suspect(line) or _over_long(instance, _INSTANCE_BOUNDS):
        return True
    for hline, ilines in hlines:
        if _suspect(hline) or (ilines and _suspect("".join(ilines))):
            return True
    for entry in holdings:
        if _over_long(entry, _HOLDINGS_BOUNDS):
            return True
        for item in entry["items"]:
            if _over_long(item, _ITEM_BOUNDS):
                return True
    return False


def storable_record(instance: dict, holdings: list[dict]) -> tuple[dict, list[dict]]:
    """A mapped record (instance fields and holdings with their items) made storable.

    Cleaning can leave an item without a barcode (it was nothing but control characters) or two
    items with one barcode; as in the mapping, an item without a barcode is left out and the
    first of two with the same barcode wins.
    """
    instance = storable(instance)
    _bounded(instance, INSTANCE_LIMITS, "…")
    kept, seen = [], set()
    for entry in storable(holdings):
        _bounded(entry, HOLDINGS_LIMITS)
        items = []
        for item in entry["items"]:
            _bounded(item, ITEM_LIMITS)
            barcode = (item.get("barcode") or "").strip()
            if not barcode or barcode in seen:
                continue
            seen.add(barcode)
            items.append({**item, "barcode": barcode})
        entry["items"] = items
        if entry.get("location") or entry.get("call_number") or items:
            kept.append(entry)
    return instance, kept


def storable_rejection(result: dict) -> dict:
    """A quarantine entry whose reason and control number the quarantine table can store."""
    for name, size in QUARANTINE_LIMITS.items():
        value = result.get(name)
        if isinstance(value, str):
            result[name] = storable_text(value)[:size]
    return result
