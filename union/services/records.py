"""Member records as the union catalogue sees them, and the choice of a cluster's master record.

A member record is read from the library's own schema into a plain ``MemberRecord``: its
bibliographic fields, its encoding level and its holdings summary (items total, on the shelf,
lendable, a call number).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count
from django_tenants.utils import schema_context

from core.isbn import isbn13
from tenants.models import Library
from union.matching import MatchRecord, control_number_key, normalize_issn

# The bibliographic fields a union record takes from its master record.
BIB_FIELDS = (
    "record_format", "title", "other_title", "parallel_titles", "volume", "responsibility", "authors",
    "edition", "publisher", "place", "year", "extent", "series", "isbns", "issns", "languages", "clc",
    "subjects", "summary", "material_type", "control_numbers",
)
# Fields that count towards a record's completeness.
COMPLETENESS_FIELDS = (
    "title", "responsibility", "authors", "edition", "publisher", "place", "year", "extent", "series",
    "isbns", "languages", "clc", "subjects", "summary",
)
SCHOOL_KINDS = {"primary", "middle", "nine_year", "high", "vocational"}
# Encoding level (leader/17, MARC 21 and CNMARC): full records rank above minimal ones.
ENCODING_RANK = {
    " ": 5, "#": 5, "I": 5, "1": 4, "4": 4, "L": 4, "2": 3, "7": 3, "K": 3, "3": 2, "5": 2, "M": 2,
    "8": 1, "u": 1, "z": 1,
}


@dataclass
class MemberRecord:
    library_id: int
    instance_id: int
    hrid: str
    record: dict
    encoding_level: str = ""
    withdrawn: bool = False
    call_number: str = ""
    items_total: int = 0
    items_available: int = 0
    items_loanable: int = 0
    marc: bytes | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ref(self) -> tuple[int, int]:
        return (self.library_id, self.instance_id)

    def match_record(self) -> MatchRecord:
        return MatchRecord.from_fields(self.ref, self.record)

    def summary(self) -> dict:
        return {
            "instance_hrid": self.hrid, "call_number": self.call_number[:200], "items_total": self.items_total,
            "items_available": self.items_available, "items_loanable": self.items_loanable,
        }


def read_members(library: Library, instance_ids: Iterable[int] | None = None, with_marc: bool = True,
                 chunk: int = 5000) -> dict[int, MemberRecord]:
    """Instances of ``library`` (all, or those ids) with their holdings summaries.

    Ids that no longer exist are absent from the result; withdrawn or suppressed instances are
    returned with ``withdrawn`` set.
    """
    from tenants.catalogue.models import HoldingsRecord, Instance, Item
    from tenants.catalogue.workflow import available_q, held_q, loanable_q

    ids = None if instance_ids is None else sorted(set(instance_ids))
    out: dict[int, MemberRecord] = {}
    with schema_context(library.schema_name):
        columns = ["id", "hrid", "encoding_level", "deleted", "discovery_suppress", *BIB_FIELDS]
        if with_marc:
            columns.append("raw_record")
        batches = [ids[i:i + chunk] for i in range(0, len(ids), chunk)] if ids is not None else [None]
        for batch in batches:
            qs = Instance.objects.order_by("id")
            if batch is not None:
                qs = qs.filter(id__in=batch)
            for row in qs.values(*columns).iterator(chunk_size=2000):
                record = {name: row[name] for name in BIB_FIELDS}
                marc = row.get("raw_record")
                out[row["id"]] = MemberRecord(
                    library_id=library.pk, instance_id=row["id"], hrid=row["hrid"], record=record,
                    encoding_level=row["encoding_level"] or "",
                    withdrawn=bool(row["deleted"] or row["discovery_suppress"]),
                    marc=bytes(marc) if marc is not None else None,
                )
        if not out:
            return out
        wanted = list(out) if ids is not None else None
        items = Item.objects.filter(held_q()).exclude(discovery_suppress=True)
        holdings = HoldingsRecord.objects.exclude(discovery_suppress=True)
        if wanted is not None:
            items = items.filter(holdings__instance_id__in=wanted)
            holdings = holdings.filter(instance_id__in=wanted)
        counts = items.values("holdings__instance_id").annotate(
            total=Count("id"),
            available=Count("id", filter=available_q()),
            loanable=Count("id", filter=loanable_q()),
        )
        for row in counts.iterator(chunk_size=5000):
            member = out.get(row["holdings__instance_id"])
            if member:
                member.items_total, member.items_available, member.items_loanable = (
                    row["total"], row["available"], row["loanable"])
        for instance_id, call_number in holdings.exclude(call_number="").order_by("instance_id", "id").values_list(
            "instance_id", "call_number"
        ).iterator(chunk_size=5000):
            member = out.get(instance_id)
            if member and not member.call_number:
                member.call_number = call_number
    return out


def read_marc(library_id: int, instance_id: int) -> bytes:
    from tenants.catalogue.models import Instance

    library = Library.objects.get(pk=library_id)
    with schema_context(library.schema_name):
        raw = Instance.objects.filter(pk=instance_id).values_list("raw_record", flat=True).first()
    return bytes(raw) if raw is not None else b""


# --- Master record -----------------------------------------------------------------------


def source_rank(record: dict, library_kind: str) -> int:
    """3: a national bibliography or CALIS copy; 2: a college (or public) library; 1: a school."""
    keys = (control_number_key(c) for c in record.get("control_numbers") or [])
    if any(k and k.startswith(("nbn:", "calis:")) for k in keys):
        return 3
    if library_kind in SCHOOL_KINDS:
        return 1
    return 2


def completeness(record: dict) -> int:
    return sum(1 for name in COMPLETENESS_FIELDS if record.get(name) not in (None, "", [], {}))


def encoding_rank(level: str) -> int:
    if not level:
        return 2
    return ENCODING_RANK.get(level, 2)


def master_sort_key(member: dict) -> tuple:
    """Best first: source priority, encoding level, completeness, then the smallest ids."""
    return (
        -member["source_rank"], -encoding_rank(member.get("encoding_level", "")),
        -completeness(member["record"]), member["library_id"], member["instance_id"],
    )


def choose_master(members: list[dict], pinned: tuple[int, int] | None = None) -> dict | None:
    """The master among ``members`` (dicts with library_id, instance_id, record, source_rank, ...)."""
    if not members:
        return None
    if pinned:
        for member in members:
            if (member["library_id"], member["instance_id"]) == pinned:
                return member
    return min(members, key=master_sort_key)


def union_fields(master_record: dict, members: list[dict]) -> dict:
    """The union record's bibliographic fields: the master's, with every member's ISBNs and ISSNs."""
    fields = {name: master_record.get(name) for name in BIB_FIELDS}
    for name, default in (("title", ""), ("other_title", ""), ("volume", ""), ("responsibility", ""),
                          ("edition", ""), ("publisher", ""), ("place", ""), ("extent", ""), ("summary", ""),
                          ("record_format", "marc21"), ("material_type", "book")):
        if fields.get(name) is None:
            fields[name] = default
    for name in ("parallel_titles", "authors", "series", "languages", "clc", "subjects", "control_numbers"):
        fields[name] = list(fields.get(name) or [])
    isbns: list[str] = []
    issns: list[str] = []
    ordered = [master_record] + [m["record"] for m in members]
    for record in ordered:
        for entry in record.get("isbns") or []:
            value = entry.get("isbn13") or entry.get("value") if isinstance(entry, dict) else entry
            isbn = isbn13(value or "")
            if isbn and isbn not in isbns:
                isbns.append(isbn)
        for value in record.get("issns") or []:
            issn = normalize_issn(value)
            if issn and issn not in issns:
                issns.append(issn)
    fields["isbns"], fields["issns"] = isbns, issns
    fields["title"] = (fields["title"] or "")[:10000]
    for name, limit in (("volume", 200), ("edition", 300), ("publisher", 300), ("place", 300), ("extent", 300)):
        fields[name] = (fields[name] or "")[:limit]
    return fields


def cluster_match_keys(members: list[dict]) -> list[str]:
    """Keys that hold a cluster together: strong keys shared by two or more members, and how others joined."""
    counts: dict[str, int] = {}
    for member in members:
        match = member.get("match_data") or {}
        record = MatchRecord.from_json(None, match)
        for key in record.strong_keys():
            counts[key] = counts.get(key, 0) + 1
    keys = sorted(k for k, n in counts.items() if n > 1)
    for member in members:
        for key in (member.get("matched_on") or {}).get("keys", []):
            if ":" not in key and key not in keys:
                keys.append(key)
    return keys
