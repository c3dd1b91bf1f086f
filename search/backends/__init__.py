"""Search backends behind the one contract (``search.contract.SearchBackend``).

``get_backend()`` returns the configured backend (``SEARCH_BACKEND``); ``get_backend(name)``
one by name (``postgres`` or ``elasticsearch``), e.g. for ``manage.py reindex --backend``.
"""

from __future__ import annotations

from django.conf import settings

from search.contract import SearchBackend

BACKENDS = ("postgres", "elasticsearch")

_instances: dict[str, SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or settings.SEARCH_BACKEND
    if name not in BACKENDS:
        raise ValueError(f"unknown search backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if name not in _instances:
        if name == "postgres":
            from .postgres import PostgresBackend

            _instances[name] = PostgresBackend()
        else:
            from .elasticsearch import ElasticsearchBackend

            _instances[name] = ElasticsearchBackend(url=settings.ELASTICSEARCH_URL)
    return _instances[name]


def configured_backends() -> list[str]:
    """Backends this installation can reach: PostgreSQL always, Elasticsearch when configured."""
    names = ["postgres"]
    if settings.ELASTICSEARCH_URL:
        names.append("elasticsearch")
    return names
