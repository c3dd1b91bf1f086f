"""Keeping the search index in step with the union catalogue.

The union app writes a ``UnionChange`` row in the same transaction as each union record
change. ``drain_union_outbox`` hands batches of pending rows (``core.outbox.drain``: ``SELECT
... FOR UPDATE SKIP LOCKED``, so several workers can drain at once) to ``index_changes``,
which writes the current documents of those records to the backend. While the backend is down
the rows stay pending with the attempt counted and the error kept, and the next run (on
commit, or the 5-second beat) retries them: nothing is lost. A record the backend refuses
fails alone and is dead-lettered after repeated failures (``manage.py requeue_outbox union``
brings it back). Indexing is idempotent: it always writes the record's current state.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from core import outbox
from search.backends import get_backend
from search.documents import documents_for, iter_all_documents
from search.exceptions import SearchUnavailable
from union.models import UnionChange, UnionRecord

BATCH_SIZE = 500


def drain_union_outbox(
    *, batch_size: int = BATCH_SIZE, max_batches: int = 20, backend: str | None = None
) -> dict:
    """Index pending union record changes; returns counts (processed, failed, pending)."""
    engine = get_backend(backend)
    drained = outbox.drain(
        UnionChange, lambda changes: index_changes(engine, changes), batch_size=batch_size, max_batches=max_batches
    )
    pending = outbox.pending(UnionChange).count()
    return {"processed": drained.processed, "failed": drained.failed, "pending": pending}


def index_changes(engine, changes: list[UnionChange]) -> None:
    """Write the current documents of the changed records; raises if the backend refuses them.

    A failure is blamed on the rows only while the backend says it is up; otherwise it is the
    backend's (``DestinationUnavailable``), so an outage never dead-letters anything.
    """
    record_ids = list(dict.fromkeys(c.union_record_id for c in changes))
    try:
        # A savepoint: a failing PostgreSQL backend must not abort the outbox transaction (the
        # status check below still has to run in it).
        with transaction.atomic():
            docs, gone = documents_for(record_ids)
            engine.index(docs)
            engine.delete(gone)
    except SearchUnavailable as exc:
        raise outbox.DestinationUnavailable(str(exc)) from exc
    except Exception as exc:
        if not engine.status().get("ok"):
            raise outbox.DestinationUnavailable(str(exc)) from exc
        raise


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
