"""Holdings and items from a record through a per-source mapping profile (pure).

A profile (YAML, shipped in ``marc_import/profiles/``) names the field holding location and call
number, and which subfields give barcode, status, price and so on, because every local system
exports items differently.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from marc_import.mapping.common import clean, datafields, subfields

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"
STATUSES = {"available", "checked_out", "in_transit", "awaiting_pickup", "on_ill_loan", "in_process", "on_order",
            "missing", "lost", "damaged", "withdrawn"}
AUTO_ORDER = {"marc21": ["koha_952", "marc21_949", "marc21_852"], "unimarc": ["cnmarc_905", "koha_995"]}


@cache
def profiles() -> dict[str, dict]:
    found = {}
    for path in sorted(PROFILE_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        found[data["name"]] = data
    return found


def get_profile(name: str) -> dict:
    try:
        return profiles()[name]
    except KeyError:
        raise KeyError(name) from None


def choose_profile(record, flavour: str) -> dict | None:
    tags = {f.tag for f in record.fields}
    for name in AUTO_ORDER.get(flavour, []):
        profile = profiles()[name]
        if profile["holdings"]["field"] in tags:
            return profile
    return None


def _value(field, codes) -> str:
    """The cleaned values of the given subfields, joined with spaces."""
    if not codes:
        return ""
    if isinstance(codes, str):
        codes = (codes,)
    values = []
    for sub in field.subfields:
        if sub.code in codes:
            value = clean(sub.value)
            if value:
                values.append(value)
    return " ".join(values)


_NUMBER = re.compile(r"(\d+(?:[.,]\d{1,2})?)")


def price(text: str) -> str | None:
    match = _NUMBER.search(text or "")
    if not match:
        return None
    try:
        value = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    return str(value.quantize(Decimal("0.01"))) if value < Decimal("100000000") else None


def acquired(text: str) -> str | None:
    digits = re.sub(r"\D", "", text or "")
    if len(digits) >= 8:
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).isoformat()
        except ValueError:
            return None
    return None


def _item(field, spec: dict) -> dict:
    barcode = _value(field, spec.get("barcode"))[:60] or None
    status = "available"
    raw_status = _value(field, spec.get("status")).lower()
    if raw_status:
        mapped = (spec.get("status_map") or {}).get(raw_status, raw_status)
        status = mapped if mapped in STATUSES else "available"
    for rule in spec.get("status_rules") or []:
        values = [v for v in subfields(field, rule["subfield"])]
        value = values[0].strip() if values else ""
        if values and value not in rule.get("not_in", []):
            status = rule["status"]
            break
    reference = False
    ref = spec.get("reference_if")
    if ref:
        values = [v.strip() for v in subfields(field, ref["subfield"])]
        if values:
            if "values" in ref:
                reference = values[0].upper() in [str(v).upper() for v in ref["values"]]
            else:
                reference = values[0] not in ref.get("not_in", [])
    return {
        "barcode": barcode,
        "status": status,
        "reference_only": reference,
        "volume": _value(field, spec.get("volume"))[:100],
        "copy_number": _value(field, spec.get("copy_number"))[:20],
        "price": price(_value(field, spec.get("price"))),
        "acquired_on": acquired(_value(field, spec.get("acquired_on"))),
    }


def _call_number(field, spec: dict) -> str:
    value = _value(field, spec.get("call_number"))
    if not value and spec.get("call_number_parts"):
        parts = [clean(v) for v in subfields(field, *spec["call_number_parts"]) if clean(v)]
        value = spec.get("call_number_join", " ").join(parts)
    return value[:200]


def map_holdings(record, profile: dict | None) -> list[dict]:
    """[{location, call_number, notes, items: [...]}], holdings grouped by location and call number."""
    if not profile:
        return []
    hspec, ispec = profile["holdings"], profile.get("items") or {}
    in_field = ispec.get("in_holdings_field")
    holdings: dict[tuple[str, str], dict] = {}
    for field in datafields(record, hspec["field"]):
        location = _value(field, hspec.get("location"))[:100]
        call_number = _call_number(field, hspec)
        key = (location, call_number)
        entry = holdings.setdefault(key, {"location": location, "call_number": call_number, "notes": "", "items": []})
        note = _value(field, hspec.get("notes"))
        if note and note not in entry["notes"]:
            entry["notes"] = (entry["notes"] + "; " + note).strip("; ")
        if in_field:
            item = _item(field, in_field)
            if item["barcode"]:
                entry["items"].append(item)
    separate = ispec.get("field")
    if separate:
        for field in datafields(record, separate):
            item = _item(field, ispec)
            if not item["barcode"]:
                continue
            target = None
            parts = ispec.get("link_call_number_parts")
            if parts:
                call = "/".join(clean(v) for v in subfields(field, *parts) if clean(v))
                target = next((h for h in holdings.values() if h["call_number"] == call), None)
            if target is None:
                if not holdings:
                    holdings[("", "")] = {"location": "", "call_number": "", "notes": "", "items": []}
                target = next(iter(holdings.values()))
            target["items"].append(item)
    # Drop duplicate barcodes inside one record (the first wins).
    seen = set()
    for entry in holdings.values():
        kept = []
        for item in entry["items"]:
            if item["barcode"] and item["barcode"] in seen:
                continue
            seen.add(item["barcode"])
            kept.append(item)
        entry["items"] = kept
    return [h for h in holdings.values() if h["location"] or h["call_number"] or h["items"]]
