"""Record quality per member library: what its records lack, how many duplicates it holds and
what it gives the consortium (master records contributed, records upgraded through proposals)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from tenants.models import Library
from union.models import Proposal, UnionHolding, UnionRecord


def _share(part: int, total: int) -> float:
    return round(part / total, 4) if total else 0.0


def library_quality(library: Library) -> dict:
    total = 0
    missing = Counter()
    per_record: Counter = Counter()
    for record, union_record_id in UnionHolding.objects.filter(library=library).values_list(
        "record", "union_record_id"
    ).iterator(chunk_size=5000):
        total += 1
        per_record[union_record_id] += 1
        if not record.get("isbns") and not record.get("issns"):
            missing["isbn"] += 1
        if not record.get("clc"):
            missing["clc"] += 1
        if not (record.get("publisher") or "").strip():
            missing["publisher"] += 1
        if not record.get("year"):
            missing["year"] += 1
    duplicates = total - len(per_record)
    shared = UnionRecord.objects.filter(pk__in=list(per_record)).annotate(n=Count("holdings__library", distinct=True))
    unique = shared.filter(n=1).count() if per_record else 0
    return {
        "library": library.code,
        "name": library.name,
        "kind": library.kind,
        "records": total,
        "missing_isbn": _share(missing["isbn"], total),
        "missing_clc": _share(missing["clc"], total),
        "missing_publisher": _share(missing["publisher"], total),
        "missing_year": _share(missing["year"], total),
        "duplicate_rate": _share(duplicates, total),
        "duplicates": duplicates,
        "unique_in_consortium": unique,
        "contributed": UnionRecord.objects.filter(master_library=library, deleted=False).count(),
        "upgraded": Proposal.objects.filter(library=library, status=Proposal.Status.ACCEPTED).count(),
    }


def consortium_quality(libraries=None) -> list[dict]:
    libraries = libraries if libraries is not None else Library.objects.filter(is_active=True)
    return [library_quality(library) for library in libraries.order_by("code")]
