"""Running a search for a caller: the backend's ids, turned back into union records in order."""

from __future__ import annotations

from search.backends import get_backend
from search.contract import SearchQuery, SearchResult
from tenants.models import Library
from union.models import UnionHolding, UnionRecord

# What result lists show of a holding; other columns load on access.
HOLDING_FIELDS = (
    "id",
    "union_record_id",
    "library_id",
    "instance_id",
    "instance_hrid",
    "call_number",
    "items_total",
    "items_available",
    "items_loanable",
)


def attach_holdings(records: list[UnionRecord]) -> None:
    """Prefetch ``record.holdings.all()`` (ordered by library code) for a page of records.

    Popular records are held by dozens of members, so a page can carry hundreds of holdings:
    they are loaded with only the columns lists show, and each library (with its region and
    the region's parent) is loaded once and shared, instead of once per holding.
    """
    if not records:
        return
    holdings = list(
        UnionHolding.objects.filter(union_record_id__in=[r.pk for r in records]).only(*HOLDING_FIELDS)
    )
    libraries = {
        lib.pk: lib
        for lib in Library.objects.filter(pk__in={h.library_id for h in holdings}).select_related(
            "region", "region__parent"
        )
    }
    cache_name = UnionHolding._meta.get_field("union_record").remote_field.cache_name
    by_record: dict[int, list[UnionHolding]] = {r.pk: [] for r in records}
    for h in holdings:
        UnionHolding.library.field.set_cached_value(h, libraries[h.library_id])
        by_record[h.union_record_id].append(h)
    for record in records:
        rows = sorted(by_record[record.pk], key=lambda h: h.library.code)
        for h in rows:
            UnionHolding.union_record.field.set_cached_value(h, record)
        if not hasattr(record, "_prefetched_objects_cache"):
            record._prefetched_objects_cache = {}
        record._prefetched_objects_cache[cache_name] = rows


def search(query: SearchQuery, backend: str | None = None) -> tuple[SearchResult, list[UnionRecord]]:
    """Run ``query`` on the configured backend; the union records of the page, in result order,
    each with ``holdings`` prefetched (``record.holdings.all()``, library and region loaded)."""
    result = get_backend(backend).search(query)
    if not result.ids:
        return result, []
    by_id = {r.pk: r for r in UnionRecord.objects.filter(pk__in=result.ids).defer("marc", "match_keys")}
    # A record deleted since it was indexed drops out of the page until the outbox catches up.
    records = [by_id[i] for i in result.ids if i in by_id]
    attach_holdings(records)
    return result, records


def suggest(prefix: str, limit: int = 10, backend: str | None = None) -> list[str]:
    return get_backend(backend).suggest(prefix, limit=limit)
