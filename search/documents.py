"""One flat, backend-neutral search document per union record.

Backends apply ``search.analysis`` to these fields themselves; the document is plain data
(also what ``check_index`` compares and what the Elasticsearch backend stores as ``_source``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tenants.models import Library, Region
from union.models import UnionHolding, UnionRecord

from .analysis import clc_class


def district_code(region: Region | None, cache: dict[int, str]) -> str:
    """The code of the district (or the nearest region above it) a library belongs to."""
    if region is None:
        return ""
    if region.pk in cache:
        return cache[region.pk]
    node = region
    while node is not None and node.level not in (Region.Level.DISTRICT,):
        if node.parent_id is None:
            break
        node = node.parent
    code = node.code if node is not None and node.level == Region.Level.DISTRICT else region.code
    cache[region.pk] = code
    return code


def _author_names(authors) -> list[str]:
    names = []
    for author in authors or []:
        if isinstance(author, dict):
            name = author.get("name") or ""
        else:
            name = str(author)
        if name:
            names.append(name)
    return names


def _holding(h: UnionHolding, district: str) -> dict:
    lib: Library = h.library
    return {
        "library": lib.code,
        "library_name": lib.name,
        "district": district,
        "instance_id": h.instance_id,
        "instance_hrid": h.instance_hrid,
        "call_number": h.call_number,
        "items_total": h.items_total,
        "items_available": h.items_available,
        "items_loanable": h.items_loanable,
    }


def build_document(
    record: UnionRecord, holdings: list[UnionHolding], region_cache: dict | None = None
) -> dict:
    region_cache = {} if region_cache is None else region_cache
    held = [_holding(h, district_code(h.library.region, region_cache)) for h in holdings]
    held.sort(key=lambda h: h["library"])
    clc = [c for c in record.clc or [] if c]
    return {
        "id": record.pk,
        "urid": record.urid,
        "version": record.version,
        "title": record.title or "",
        "other_title": record.other_title or "",
        "parallel_titles": list(record.parallel_titles or []),
        "volume": record.volume or "",
        "responsibility": record.responsibility or "",
        "authors": _author_names(record.authors),
        "edition": record.edition or "",
        "publisher": record.publisher or "",
        "place": record.place or "",
        "year": record.year,
        "series": [s if isinstance(s, str) else str(s) for s in record.series or []],
        "isbns": list(record.isbns or []),
        "issns": list(record.issns or []),
        "languages": list(record.languages or []),
        "clc": clc,
        "clc_classes": sorted({c for c in map(clc_class, clc) if c}),
        "subjects": [s if isinstance(s, str) else str(s) for s in record.subjects or []],
        "summary": record.summary or "",
        "material_type": record.material_type or "other",
        "holdings": held,
        "libraries": sorted({h["library"] for h in held}),
        "districts": sorted({h["district"] for h in held if h["district"]}),
        "holdings_count": len(held),
        "items_total": sum(h["items_total"] for h in held),
        "available": any(h["items_loanable"] > 0 for h in held),
    }


def documents_for(ids: Iterable[int]) -> tuple[list[dict], list[int]]:
    """(documents of live records, ids to remove from the index: deleted or gone records)."""
    ids = list(dict.fromkeys(ids))
    records = {
        r.pk: r for r in UnionRecord.objects.filter(pk__in=ids).defer("marc", "match_keys", "control_numbers")
    }
    holdings: dict[int, list[UnionHolding]] = {}
    for h in UnionHolding.objects.filter(union_record_id__in=list(records)).select_related(
        "library", "library__region", "library__region__parent"
    ):
        holdings.setdefault(h.union_record_id, []).append(h)
    cache: dict[int, str] = {}
    docs, gone = [], []
    for pk in ids:
        record = records.get(pk)
        if record is None or record.deleted:
            gone.append(pk)
        else:
            docs.append(build_document(record, holdings.get(pk, []), cache))
    return docs, gone


def document_for(union_record: UnionRecord) -> dict:
    """The search document of one union record (with its holdings per library)."""
    holdings = list(
        UnionHolding.objects.filter(union_record=union_record).select_related(
            "library", "library__region", "library__region__parent"
        )
    )
    return build_document(union_record, holdings)


def iter_all_documents(batch_size: int = 2000) -> Iterator[list[dict]]:
    """Every live union record's document, in batches (for full rebuilds)."""
    last = 0
    while True:
        ids = list(
            UnionRecord.objects.filter(pk__gt=last, deleted=False)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        docs, _gone = documents_for(ids)
        yield docs
        last = ids[-1]
