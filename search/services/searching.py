"""Running a search for a caller: the backend's ids, turned back into union records in order."""

from __future__ import annotations

from django.db.models import Prefetch

from search.backends import get_backend
from search.contract import SearchQuery, SearchResult
from union.models import UnionHolding, UnionRecord


def search(query: SearchQuery, backend: str | None = None) -> tuple[SearchResult, list[UnionRecord]]:
    """Run ``query`` on the configured backend; the union records of the page, in result order,
    each with ``holdings`` prefetched (library and its region selected)."""
    result = get_backend(backend).search(query)
    if not result.ids:
        return result, []
    records = (
        UnionRecord.objects.filter(pk__in=result.ids)
        .defer("marc", "match_keys")
        .prefetch_related(
            Prefetch(
                "holdings",
                queryset=UnionHolding.objects.select_related(
                    "library", "library__region", "library__region__parent"
                ).order_by("library__code"),
            )
        )
    )
    by_id = {r.pk: r for r in records}
    # A record deleted since it was indexed drops out of the page until the outbox catches up.
    return result, [by_id[i] for i in result.ids if i in by_id]


def suggest(prefix: str, limit: int = 10, backend: str | None = None) -> list[str]:
    return get_backend(backend).suggest(prefix, limit=limit)
