"""Search services: ``search`` for callers (REST, OPAC, SRU), ``search_query`` to read their request
parameters, the outbox drain and rebuilds."""

from .indexing import drain_union_outbox, reindex_all
from .params import search_query
from .searching import search, suggest

__all__ = ["drain_union_outbox", "reindex_all", "search", "search_query", "suggest"]
