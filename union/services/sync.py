"""Drain the catalogue outbox into the union catalogue.

Workers take batches of ``CatalogueChange`` rows with ``SELECT ... FOR UPDATE SKIP LOCKED``,
read the changed instances and their holdings from the member schemas, (re)cluster them and
mark the rows processed, all in one transaction: if a worker dies half-way the rows are simply
still pending. Clustering itself is serialised with a transaction-level advisory lock so two
workers never create two union records for one edition. Applying a change twice changes
nothing (see ``clustering.refresh``).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from core import outbox
from tenants.models import CatalogueChange, Library
from union.models import UnionChange
from union.services import clustering
from union.services.records import read_members

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLUSTERING_LOCK = 0x756E696F6E  # "union"
# The outbox of union record changes; the search indexer registers as its consumer.
UNION_OUTBOX = "union"


def pending_count() -> int:
    return CatalogueChange.objects.filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS).count()


def drain(batch_size: int = 500, max_batches: int | None = None) -> int:
    """Apply pending catalogue changes; returns how many outbox rows were processed.

    The connection's schema is restored afterwards: with eager tasks this runs inside the
    commit of a member library's transaction, whose caller carries on in that schema.
    """
    processed = 0
    batches = 0
    with schema_context(get_public_schema_name()):
        while max_batches is None or batches < max_batches:
            done = _drain_batch(batch_size)
            if not done:
                break
            processed += done
            batches += 1
    return processed


def _drain_batch(batch_size: int) -> int:
    with transaction.atomic():
        connection.set_schema_to_public()
        rows = list(
            CatalogueChange.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .order_by("id")[:batch_size]
        )
        if not rows:
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTERING_LOCK])
        before = UnionChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        apply_changes(rows)
        connection.set_schema_to_public()
        if UnionChange.objects.filter(id__gt=before).exists():
            outbox.notify(UNION_OUTBOX)
    return len(rows)


def apply_changes(rows: list[CatalogueChange]) -> None:
    """Apply outbox rows (already locked by the caller) and mark them processed."""
    by_library: dict[int, dict[int, list[CatalogueChange]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_library[row.library_id][row.instance_id].append(row)
    libraries = Library.objects.in_bulk(list(by_library))
    now = timezone.now()
    done: list[int] = []
    failed: list[CatalogueChange] = []
    for library_id, changes in by_library.items():
        library = libraries.get(library_id)
        if library is None:
            done.extend(r.pk for rs in changes.values() for r in rs)
            continue
        members = read_members(library, list(changes))
        connection.set_schema_to_public()
        decisions = clustering.load_decisions([(library_id, i) for i in changes])
        for instance_id, instance_rows in changes.items():
            try:
                with transaction.atomic():
                    member = members.get(instance_id)
                    if member is None:
                        clustering.remove(library_id, instance_id)
                    else:
                        clustering.place(member, decisions)
                done.extend(r.pk for r in instance_rows)
            except Exception as exc:  # one bad record must not hold up the others
                log.exception("union sync failed for %s/%s", library.code, instance_id)
                for row in instance_rows:
                    row.attempts += 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    failed.append(row)
    CatalogueChange.objects.filter(pk__in=done).update(processed_at=now)
    if failed:
        CatalogueChange.objects.bulk_update(failed, ["attempts", "last_error"])
