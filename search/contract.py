"""The one search contract every backend implements (PostgreSQL full-text, Elasticsearch).

Callers (REST, OPAC, SRU, OAI-PMH search) build a ``SearchQuery`` and get a ``SearchResult``
of union record ids in order, with facet counts; they never talk to a backend's own query
language. Query trees come from ``search.query`` (the search box syntax) or from the SRU CQL
parser; both produce the same ``Term``/``BoolNode`` nodes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

# Fields a Term may name; "any" searches every text field.
FIELDS = ("any", "title", "author", "subject", "isbn", "issn", "clc", "publisher", "year")
# Facets every backend returns when asked.
FACETS = ("library", "district", "material_type", "language", "year", "clc_class", "available")
SORTS = ("relevance", "year_desc", "year_asc", "title")


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    phrase: bool = False


@dataclass(frozen=True)
class BoolNode:
    op: Literal["and", "or", "not"]  # "not": children[0] AND NOT children[1:]
    children: tuple[Node, ...]


Node = Term | BoolNode


@dataclass
class SearchQuery:
    query: Node | None = None  # None matches every record
    # facet name -> accepted values (OR within a facet, AND across facets);
    # "available": ["true"] keeps records with a loanable item on the shelf somewhere.
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    facets: bool = True
    facet_size: int = 20


@dataclass
class SearchResult:
    total: int
    ids: list[int]  # union record ids, in result order
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class SearchBackend(ABC):
    name: str = ""

    @abstractmethod
    def ensure_index(self) -> None:
        """Create whatever the backend needs to hold documents (idempotent)."""

    @abstractmethod
    def index(self, documents: Iterable[dict]) -> int:
        """Add or replace documents (from ``search.documents``); returns how many were written."""

    @abstractmethod
    def delete(self, union_record_ids: Iterable[int]) -> int: ...

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult: ...

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Title completions for a prefix (Chinese, Latin or pinyin)."""

    @abstractmethod
    def indexed_versions(self) -> dict[int, int]:
        """union record id -> version held by the index (for drift checks)."""

    @abstractmethod
    def status(self) -> dict:
        """{"ok": bool, ...} for /healthz."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document (tests, full rebuilds)."""
