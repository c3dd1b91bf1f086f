"""The two outboxes the union catalogue sits between, by name: their state and their dead letters.

``catalogue``: local catalogue changes, applied to the union catalogue (``union.services.sync``).
``union``: union record changes, applied to the search index by the search app.
"""

from __future__ import annotations

from collections.abc import Iterable

from core import outbox
from tenants.catalogue.services.changes import CATALOGUE_OUTBOX
from tenants.models import CatalogueChange
from union.models import UnionChange
from union.services.sync import UNION_OUTBOX

OUTBOXES: dict[str, type[outbox.OutboxRow]] = {
    CATALOGUE_OUTBOX: CatalogueChange,
    UNION_OUTBOX: UnionChange,
}


def outbox_counts() -> dict[str, dict[str, int]]:
    """``{name: {"pending": n, "dead": m}}`` for each outbox."""
    return {
        name: {"pending": outbox.pending(model).count(), "dead": outbox.dead_count(model)}
        for name, model in OUTBOXES.items()
    }


def dead_rows(name: str, limit: int = 50) -> list:
    return list(outbox.dead(OUTBOXES[name])[:limit])


def requeue(name: str, ids: Iterable[int] | None = None) -> int:
    """Make the dead rows of outbox ``name`` (all, or those ids) pending again and wake its consumer."""
    return outbox.requeue(OUTBOXES[name], ids, outbox=name)
