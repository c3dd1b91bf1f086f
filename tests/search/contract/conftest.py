"""The contract suite runs once per configured backend: PostgreSQL always, Elasticsearch when
ELASTICSEARCH_URL is set."""

from __future__ import annotations

import pytest
from django.conf import settings

from search.backends import get_backend
from search.documents import documents_for
from tests.search.catalogue import build_catalogue
from union.models import UnionRecord


def _backend_params():
    params = [pytest.param("postgres", id="postgres")]
    marks = [pytest.mark.es]
    if not settings.ELASTICSEARCH_URL:
        marks.append(pytest.mark.skip(reason="ELASTICSEARCH_URL is not set"))
    params.append(pytest.param("elasticsearch", id="elasticsearch", marks=marks))
    return params


@pytest.fixture(params=_backend_params())
def backend(request, db):
    engine = get_backend(request.param)
    engine.ensure_index()
    engine.clear()
    yield engine
    engine.clear()


@pytest.fixture
def libraries(make_library, district_a, district_b):
    return {
        "a": make_library("alpha", region=district_a),
        "b": make_library("beta", region=district_b),
        "c": make_library("gamma", region=district_b, kind="high"),
    }


@pytest.fixture
def contract_catalogue(backend, libraries):
    records = build_catalogue(libraries)
    docs, gone = documents_for(UnionRecord.objects.order_by("pk").values_list("pk", flat=True))
    backend.index(docs)
    backend.delete(gone)
    refresh = getattr(backend, "refresh", None)
    if refresh:
        refresh()
    return records
