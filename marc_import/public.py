"""What of a member's MARC record may leave the library: the public record (pure).

A member's stored record is its whole catalogue record: besides the bibliographic description it
carries the library's holdings and items (barcodes, prices, acquisition dates, staff notes) in
local fields. Anything served to the public (SRU, OAI-PMH, the union export) goes through
``public_record``: the local fields are dropped and the consortium's holdings summary (library
code and name, call number, copy counts, as ``writer.holdings_fields`` writes it) is added in
their place. Only the library's own staff views and exports see the record whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pymarc

from marc_import.mapping.holdings import profiles
from marc_import.writer import Holding, holdings_fields

# MARC 21: holdings and item fields embedded in bibliographic records (841-845, 850, 852-855,
# 863-868, 876-878), the local notes (59X) and every 9XX local field (949, 952, 995 ...).
MARC21_LOCAL_TAGS = frozenset(
    {"841", "842", "843", "844", "845", "850", "852", "853", "854", "855",
     "863", "864", "865", "866", "867", "868", "876", "877", "878"}
)
MARC21_LOCAL_PREFIXES = ("59", "9")
# Notes about the library's own copy (acquisition source and price, ownership, actions taken):
# kept only when the first indicator says they are public ("1"); "0" means private and blank
# says nothing, so those stay home too.
MARC21_PRIVATE_UNLESS_PUBLIC = frozenset({"541", "561", "583"})

# UNIMARC/CNMARC: the 9XX local block (905 holdings, 906 items, 995 Koha items ...), the notes on
# the copy in hand (316 copy note, 317 provenance, 318 action note) and an 852 some systems add.
UNIMARC_LOCAL_TAGS = frozenset({"316", "317", "318", "852"})
UNIMARC_LOCAL_PREFIXES = ("9",)


@cache
def profile_tags() -> dict[str, frozenset[str]]:
    """The holdings and item fields the import profiles read, per format: whatever a profile
    reads items from is local by definition, even when a system uses an unusual tag."""
    found: dict[str, set[str]] = {"marc21": set(), "unimarc": set()}
    for profile in profiles().values():
        tags = {profile.get("holdings", {}).get("field"), (profile.get("items") or {}).get("field")}
        for flavour in profile.get("formats", ()):
            found.setdefault(_flavour(flavour), set()).update(t for t in tags if t)
    return {flavour: frozenset(tags) for flavour, tags in found.items()}


def _flavour(flavour: str | None) -> str:
    return "unimarc" if (flavour or "").lower() in ("unimarc", "cnmarc") else "marc21"


def is_local(field: pymarc.Field, flavour: str = "marc21") -> bool:
    """Does ``field`` hold the library's own holdings, items or notes (never published)?"""
    flavour = _flavour(flavour)
    tag = str(field.tag or "")
    if tag in profile_tags().get(flavour, ()):
        return True
    if flavour == "unimarc":
        return tag in UNIMARC_LOCAL_TAGS or tag.startswith(UNIMARC_LOCAL_PREFIXES)
    if tag in MARC21_PRIVATE_UNLESS_PUBLIC:
        return field.is_control_field() or field.indicator1 != "1"
    return tag in MARC21_LOCAL_TAGS or tag.startswith(MARC21_LOCAL_PREFIXES)


def public_record(record: pymarc.Record, flavour: str = "marc21",
                  holdings: Iterable[Holding] = ()) -> pymarc.Record:
    """A copy of ``record`` without local fields, with the consortium's holdings summary."""
    flavour = _flavour(flavour)
    out = pymarc.Record(force_utf8=True)
    out.leader = record.leader  # as it is, even damaged: the serialiser repairs what it writes
    for field in record.fields:
        if not is_local(field, flavour):
            out.add_field(field)
    for field in holdings_fields(flavour, holdings):
        out.add_field(field)
    return out
