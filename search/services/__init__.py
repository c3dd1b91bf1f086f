"""Search services: ``search`` for callers (REST, OPAC, SRU), the outbox drain and rebuilds."""

from .indexing import drain_union_outbox, reindex_all
from .searching import search, suggest

__all__ = ["drain_union_outbox", "reindex_all", "search", "suggest"]
