"""Record local catalogue changes in the outbox, in the caller's transaction.

Call these from every service that creates, changes or withdraws an Instance or changes an
item's availability. The row is written in the same transaction as the change; after commit a
task is queued to drain the outbox (a periodic drain catches any task that was lost).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name

from tenants.models import CatalogueChange, Library


def current_library() -> Library:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Library):
        raise RuntimeError("catalogue changes must be recorded inside a member library's schema")
    return tenant


def record_changes(instance_ids: Iterable[int], op: str, library: Library | None = None) -> int:
    library = library or current_library()
    ids = list(instance_ids)
    if not ids:
        return 0
    if op not in CatalogueChange.Op.values:
        raise ValueError(f"unknown catalogue change {op!r}")
    # One statement for any number of rows (imports record thousands per batch).
    table = f"{connection.ops.quote_name(get_public_schema_name())}.{CatalogueChange._meta.db_table}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (library_id, instance_id, op, created_at, attempts, last_error) "
            "SELECT %s, i, %s, now(), 0, '' FROM unnest(%s::bigint[]) AS i",
            [library.pk, op, ids],
        )
    transaction.on_commit(_queue_drain)
    return len(ids)


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
