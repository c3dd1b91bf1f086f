"""Record local catalogue changes in the outbox, in the caller's transaction.

Call these from every service that creates, changes or withdraws an Instance or changes an
item's availability. The row is written in the same transaction as the change; after commit a
task is queued to drain the outbox (a periodic drain catches any task that was lost).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from tenants.models import CatalogueChange, Library


def current_library() -> Library:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Library):
        raise RuntimeError("catalogue changes must be recorded inside a member library's schema")
    return tenant


def record_changes(instance_ids: Iterable[int], op: str, library: Library | None = None) -> int:
    library = library or current_library()
    rows = [CatalogueChange(library_id=library.pk, instance_id=i, op=op) for i in instance_ids]
    if not rows:
        return 0
    CatalogueChange.objects.bulk_create(rows, batch_size=2000)
    transaction.on_commit(_queue_drain)
    return len(rows)


def record_change(instance_id: int, op: str, library: Library | None = None) -> None:
    record_changes([instance_id], op, library)


def _queue_drain() -> None:
    # Imported late: the union app consumes this outbox, the catalogue does not depend on it.
    from django.utils.module_loading import import_string

    try:
        task = import_string("union.tasks.drain_catalogue_outbox")
    except ImportError:
        return
    task.delay()
