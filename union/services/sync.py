"""Drain the catalogue outbox into the union catalogue.

``core.outbox.drain`` takes batches of ``CatalogueChange`` rows with ``SELECT ... FOR UPDATE
SKIP LOCKED``; this module reads the changed instances and their holdings from the member
schemas and (re)clusters them, in the same transaction that marks the rows processed: if a
worker dies half-way the rows are simply still pending. A change that cannot be applied fails
alone and is dead-lettered after repeated failures (``manage.py requeue_outbox catalogue``
brings it back). Clustering itself is serialised with a transaction-level advisory lock so two
workers never create two union records for one edition. Applying a change twice changes
nothing (see ``clustering.refresh``).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from core import outbox
from tenants.models import CatalogueChange, Library
from union.models import UnionChange
from union.services import clustering
from union.services.records import read_members

MAX_ATTEMPTS = outbox.MAX_ATTEMPTS
CLUSTERING_LOCK = 0x756E696F6E  # "union"
# The outbox of union record changes; the search indexer registers as its consumer.
UNION_OUTBOX = "union"


def pending_count() -> int:
    return outbox.pending(CatalogueChange).count()


def drain(batch_size: int = 500, max_batches: int | None = None) -> int:
    """Apply pending catalogue changes; returns how many outbox rows were applied.

    The connection's schema is restored afterwards: with eager tasks this runs inside the
    commit of a member library's transaction, whose caller carries on in that schema.
    """
    with schema_context(get_public_schema_name()):
        drained = outbox.drain(CatalogueChange, _apply_batch, batch_size=batch_size, max_batches=max_batches)
    return drained.processed


def _apply_batch(rows: list[CatalogueChange]) -> None:
    # Taken here, inside the drain's savepoint, because rolling a savepoint back releases it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTERING_LOCK])
    before = UnionChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        apply_changes(rows)
    finally:
        connection.set_schema_to_public()
    if UnionChange.objects.filter(id__gt=before).exists():
        outbox.notify(UNION_OUTBOX)


def apply_changes(rows: list[CatalogueChange]) -> None:
    """Apply outbox rows (already locked by the caller); raises if any of them cannot be applied.

    Marking the rows processed is left to the caller (``core.outbox.drain``).
    """
    by_library: dict[int, dict[int, list[CatalogueChange]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_library[row.library_id][row.instance_id].append(row)
    libraries = Library.objects.in_bulk(list(by_library))
    for library_id, changes in by_library.items():
        library = libraries.get(library_id)
        if library is None:
            continue
        members = read_members(library, list(changes))
        connection.set_schema_to_public()
        decisions = clustering.load_decisions([(library_id, i) for i in changes])
        for instance_id in changes:
            member = members.get(instance_id)
            if member is None:
                clustering.remove(library_id, instance_id)
            else:
                clustering.place(member, decisions)
