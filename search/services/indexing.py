"""Keeping the search index in step with the union catalogue.

The union app writes a ``UnionChange`` row in the same transaction as each union record
change. ``drain_union_outbox`` takes a batch of pending rows with ``SELECT ... FOR UPDATE SKIP
LOCKED`` (so several workers can drain at once without taking the same rows), writes the
current documents of those records to the backend and marks the rows processed. If the
backend fails, the rows stay pending with the attempt counted and the error kept, and the next
run (on commit, or the 5-second beat) retries them: nothing is lost. Indexing is idempotent:
it always writes the record's current state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from search.backends import get_backend
from search.documents import documents_for, iter_all_documents
from union.models import UnionChange, UnionRecord

log = logging.getLogger(__name__)

BATCH_SIZE = 500


def drain_union_outbox(
    *, batch_size: int = BATCH_SIZE, max_batches: int = 20, backend: str | None = None
) -> dict:
    """Index pending union record changes; returns counts (processed, failed, pending)."""
    engine = get_backend(backend)
    processed = failed = 0
    for _batch in range(max_batches):
        with transaction.atomic():
            changes = list(
                UnionChange.objects.select_for_update(skip_locked=True)
                .filter(processed_at__isnull=True)
                .order_by("id")[:batch_size]
            )
            if not changes:
                break
            record_ids = list(dict.fromkeys(c.union_record_id for c in changes))
            try:
                # A savepoint: a failing PostgreSQL backend must not abort the outbox transaction.
                with transaction.atomic():
                    docs, gone = documents_for(record_ids)
                    engine.index(docs)
                    engine.delete(gone)
            except Exception as exc:  # noqa: BLE001 - any backend failure leaves the rows to retry
                log.warning("search indexing failed for %d changes: %s", len(changes), exc)
                UnionChange.objects.filter(pk__in=[c.pk for c in changes]).update(
                    attempts=F("attempts") + 1, last_error=str(exc)[:2000]
                )
                failed += len(changes)
                break
            UnionChange.objects.filter(pk__in=[c.pk for c in changes]).update(
                processed_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
            processed += len(changes)
        if len(changes) < batch_size:
            break
    pending = UnionChange.objects.filter(processed_at__isnull=True).count()
    return {"processed": processed, "failed": failed, "pending": pending}


def reindex_all(
    *,
    backend: str | None = None,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> int:
    """Rebuild the whole index from the union catalogue; returns how many documents were written.

    Records are written over the existing index (searches keep working during the rebuild);
    afterwards, documents of records that no longer exist are removed. Backends that can build
    a fresh index and swap it in (Elasticsearch) do so in ``rebuild``.
    """
    engine = get_backend(backend)
    engine.ensure_index()
    rebuild = getattr(engine, "rebuild", None)
    if rebuild is not None and engine.name == "postgres":
        return rebuild(progress=progress, workers=workers, batch_size=batch_size)
    if rebuild is not None:
        return rebuild(iter_all_documents(batch_size), progress=progress)
    written = 0
    for docs in iter_all_documents(batch_size):
        written += engine.index(docs)
        if progress:
            progress(len(docs))
    live = set(UnionRecord.objects.filter(deleted=False).values_list("pk", flat=True))
    stale = [pk for pk in engine.indexed_versions() if pk not in live]
    for start in range(0, len(stale), 5000):
        engine.delete(stale[start : start + 5000])
    return written


def index_drift(backend: str | None = None) -> dict:
    """Differences between the index and the database: missing, stale (older version), extra."""
    engine = get_backend(backend)
    indexed = engine.indexed_versions()
    live = dict(UnionRecord.objects.filter(deleted=False).values_list("pk", "version"))
    missing = sorted(pk for pk in live if pk not in indexed)
    stale = sorted(pk for pk, v in live.items() if pk in indexed and indexed[pk] != v)
    extra = sorted(pk for pk in indexed if pk not in live)
    return {"missing": missing, "stale": stale, "extra": extra, "indexed": len(indexed), "records": len(live)}
