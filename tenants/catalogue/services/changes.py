"""Record local catalogue changes in the outbox, in the caller's transaction.

Call these from every service that creates, changes or withdraws an Instance or changes an
item's availability. The row is written in the same transaction as the change; after commit the
consumers registered for the outbox are woken (a periodic drain catches any task that was lost).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django_tenants.utils import get_public_schema_name

from core import outbox
from tenants.models import CatalogueChange, Library

# The name consumers register under (the union catalogue drains it).
CATALOGUE_OUTBOX = "catalogue"


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
    outbox.notify(CATALOGUE_OUTBOX)
    return len(ids)


def record_change(instance_id: int, op: str, library: Library | None = None) -> None:
    record_changes([instance_id], op, library)
