"""Elasticsearch 8 backend (elasticsearch-dsl), used when ``ELASTICSEARCH_URL`` is set.

* An index template with explicit mappings; analysis uses only built-in filters
  (``cjk_width``, ``lowercase``, ``asciifolding``, ``cjk_bigram``, ``truncate``), no plugins.
  Traditional to simplified folding and the pinyin forms are computed in Python
  (``search.analysis``) before indexing and at query time, exactly as for the PostgreSQL backend.
* Any record the catalogue takes is indexable: words are cut to ``analysis.MAX_WORD``
  characters in Python and again by the analysers, keyword values past ``KEYWORD_MAX`` are not
  indexed (``ignore_above``) instead of failing the document over Lucene's 32,766-byte term.
* Versioned index names (``<prefix>-union-records-v<timestamp>``) behind the alias
  ``<prefix>-union-records``. ``rebuild`` fills a fresh index and swaps the alias atomically, so
  searches never see a half-built index (zero-downtime reindex).
* Bulk writes retry with exponential back-off (429s inside ``streaming_bulk``, connection
  errors around it); when the server stays unreachable ``SearchUnavailable`` is raised and the
  outbox keeps the changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext as _
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import BulkIndexError, scan, streaming_bulk
from elasticsearch_dsl import Q, Search

from core import isbn
from search import analysis
from search.contract import FACETS, SORTS, BoolNode, Node, SearchBackend, SearchQuery, SearchResult, Term
from search.exceptions import BadSearchParameter, SearchUnavailable

from .postgres import MAX_WINDOW, _clc_like, _exact_keys, static_rank

TEXT_FIELDS = {
    "any": "any",
    "title": "title",
    "author": "author",
    "subject": "subject",
    "publisher": "publisher",
}
FACET_FIELDS = {
    "library": "libraries",
    "district": "districts",
    "material_type": "material_type",
    "language": "languages",
    "year": "year",
    "clc_class": "clc_classes",
    "available": "available",
}

# Characters of a keyword value worth indexing (a longer one stays in _source only).
KEYWORD_MAX = 1024

ANALYSIS = {
    "filter": {
        "cjk_bigram_index": {"type": "cjk_bigram", "output_unigrams": True},
        "cjk_bigram_search": {"type": "cjk_bigram", "output_unigrams": False},
        "long_words": {"type": "truncate", "length": analysis.MAX_WORD},
    },
    "analyzer": {
        "union_index": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "asciifolding", "long_words", "cjk_bigram_index"],
        },
        "union_search": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "asciifolding", "long_words", "cjk_bigram_search"],
        },
    },
}


def _text() -> dict:
    return {"type": "text", "analyzer": "union_index", "search_analyzer": "union_search"}


def _keyword() -> dict:
    return {"type": "keyword", "ignore_above": KEYWORD_MAX}


MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "record_id": {"type": "long"},
        "version": {"type": "integer"},
        "any": _text(),
        "title": _text(),
        "author": _text(),
        "subject": _text(),
        "publisher": _text(),
        "codes": _keyword(),
        "pinyin": _keyword(),
        "pinyin_key": _keyword(),
        "initials_key": _keyword(),
        "title_key": _keyword(),
        "isbns": _keyword(),
        "issns": _keyword(),
        "clc_prefixes": _keyword(),
        "libraries": _keyword(),
        "districts": _keyword(),
        "material_type": _keyword(),
        "languages": _keyword(),
        "clc_classes": _keyword(),
        "year": {"type": "integer"},
        "available": {"type": "boolean"},
        "static_rank": {"type": "integer"},
        "display_title": {"type": "keyword", "index": False, "doc_values": False},
    },
}


def template_body(alias: str, shards: int = 1, replicas: int = 0) -> dict:
    """The composable index template every versioned index of ``alias`` is created from."""
    return {
        "index_patterns": [f"{alias}-v*"],
        "template": {
            "settings": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "max_result_window": MAX_WINDOW,
                "analysis": ANALYSIS,
            },
            "mappings": MAPPINGS,
        },
        "priority": 100,
        "_meta": {"description": "union catalogue search documents"},
    }


def es_document(doc: dict) -> dict:
    """The Elasticsearch source of a search document: folded text, pinyin, codes, facets."""
    f = analysis.fold
    title_text = " ".join(
        t for t in [doc["title"], doc["other_title"], *doc["parallel_titles"], doc["volume"]] if t
    )
    authors = " ".join([*doc["authors"], doc["responsibility"]])
    subjects = " ".join(doc["subjects"])
    isbns = sorted({form for v in doc["isbns"] for form in isbn.search_forms(v)})
    issns = analysis.issn_forms(doc["issns"])
    clc = sorted({p for code in doc["clc"] for p in analysis.clc_prefixes(code)})
    pinyin, pinyin_key, initials_key = analysis.pinyin_forms(doc["title"])
    any_text = " ".join(
        [
            title_text,
            " ".join(doc["series"]),
            authors,
            subjects,
            doc["publisher"],
            doc["edition"],
            doc["summary"][:2000],
        ]
    )
    def text(value: str) -> str:
        return analysis.cut_long_words(f(value))

    return {
        "record_id": doc["id"],
        "version": doc["version"],
        "any": text(any_text),
        "title": text(title_text),
        "author": text(authors),
        "subject": text(subjects),
        "publisher": text(doc["publisher"]),
        "codes": [c.lower() for c in isbns + issns + [c for c in clc if len(c) >= 2]],
        "pinyin": sorted(pinyin),
        "pinyin_key": pinyin_key,
        "initials_key": initials_key,
        "title_key": analysis.title_key(doc["title"]),
        "isbns": isbns,
        "issns": issns,
        "clc_prefixes": clc,
        "libraries": doc["libraries"],
        "districts": doc["districts"],
        "material_type": doc["material_type"],
        "languages": doc["languages"],
        "clc_classes": doc["clc_classes"],
        "year": doc["year"],
        "available": doc["available"],
        "static_rank": static_rank(doc),
        "display_title": doc["title"],
    }


def alias_swap_actions(alias: str, old_indices: Iterable[str], new_index: str) -> dict:
    """One atomic ``_aliases`` request moving ``alias`` from the old indices to the new one."""
    actions = [{"remove": {"index": name, "alias": alias}} for name in sorted(old_indices)]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    return {"actions": actions}


# --- Query building ----------------------------------------------------------------------------


def _term_query(term: Term) -> Q:
    field, text = term.field, term.text or ""
    if field == "isbn":
        forms = sorted(isbn.search_forms(text))
        return Q("terms", isbns=forms) if forms else Q("match_none")
    if field == "issn":
        form = analysis.issn_form(text)
        return Q("term", issns=form) if form else Q("match_none")
    if field == "clc":
        code = analysis.clc_normal(text)
        return Q("term", clc_prefixes=code) if code else Q("match_none")
    if field == "year":
        low, high = analysis.year_range(text)
        bounds = {}
        if low is not None:
            bounds["gte"] = low
        if high is not None:
            bounds["lte"] = high
        return Q("range", year=bounds)
    target = TEXT_FIELDS.get(field)
    if target is None:
        raise BadSearchParameter(_("Unknown search field “%(field)s”.") % {"field": field})
    folded = analysis.cut_long_words(analysis.fold(text))
    alternatives = []
    if analysis.tokens(text, query=True):
        if term.phrase:
            alternatives.append(Q("match_phrase", **{target: {"query": folded}}))
        else:
            alternatives.append(Q("match", **{target: {"query": folded, "operator": "and"}}))
    if field == "any":
        codes = []
        if isbn.is_isbn_shaped(text):
            codes += [c.lower() for c in sorted(isbn.search_forms(text))]
        if analysis.looks_like_issn(text):
            codes.append(analysis.issn_form(text).lower())
        code = _clc_like(text)
        if code:
            codes.append(code.lower())
        if codes:
            alternatives.append(Q("terms", codes=codes))
    if field in ("any", "title"):
        word = analysis.pinyin_query(text)
        if word:
            alternatives.append(Q("prefix", pinyin={"value": word}))
    if not alternatives:
        return Q("match_none")
    if len(alternatives) == 1:
        return alternatives[0]
    return Q("bool", should=alternatives, minimum_should_match=1)


def node_query(node: Node) -> Q:
    if isinstance(node, Term):
        return _term_query(node)
    if not isinstance(node, BoolNode) or not node.children:
        raise BadSearchParameter(_("Malformed query."))
    children = [node_query(c) for c in node.children]
    if node.op == "and":
        return Q("bool", must=children)
    if node.op == "or":
        return Q("bool", should=children, minimum_should_match=1)
    return Q("bool", must=[children[0]], must_not=children[1:])


def build_search(query: SearchQuery, index: str = "union-records") -> Search:
    """The elasticsearch-dsl Search for a SearchQuery (``.to_dict()`` is the request body)."""
    if query.sort not in SORTS:
        raise BadSearchParameter(_("Unknown sort “%(sort)s”.") % {"sort": query.sort})
    if query.offset < 0 or query.limit < 0 or query.offset + query.limit > MAX_WINDOW:
        raise BadSearchParameter(
            _("Results can be paged up to record %(n)d; narrow the search.") % {"n": MAX_WINDOW}
        )
    filters = []
    for facet, values in sorted(query.filters.items()):
        if facet not in FACETS:
            raise BadSearchParameter(_("Unknown filter “%(facet)s”.") % {"facet": facet})
        values = [v for v in values if v not in (None, "")]
        if not values:
            continue
        field = FACET_FIELDS[facet]
        if facet == "available":
            values = [v == "true" for v in values]
        elif facet == "year":
            values = [int(v) for v in values if str(v).isdigit()]
        filters.append(Q("terms", **{field: values}))
    if query.year_from is not None or query.year_to is not None:
        bounds = {}
        if query.year_from is not None:
            bounds["gte"] = query.year_from
        if query.year_to is not None:
            bounds["lte"] = query.year_to
        filters.append(Q("range", year=bounds))

    if query.query is None:
        main = Q("bool", filter=filters) if filters else Q("match_all")
    else:
        boosts = []
        exact, word = _exact_keys(query.query)
        if exact:
            boosts.append(Q("term", title_key={"value": exact, "boost": 100}))
        if word:
            boosts.append(Q("term", pinyin_key={"value": word, "boost": 50}))
            boosts.append(Q("term", initials_key={"value": word, "boost": 50}))
        bool_args = {"must": [node_query(query.query)]}
        if filters:
            bool_args["filter"] = filters
        if boosts:
            bool_args["should"] = boosts
        main = Q(
            "function_score",
            query=Q("bool", **bool_args),
            functions=[{"field_value_factor": {"field": "static_rank", "modifier": "log1p", "factor": 0.05}}],
            boost_mode="sum",
        )
    search = Search(index=index).query(main).source(False).extra(track_total_hits=True)
    sort = {
        "relevance": ["_score", {"static_rank": "desc"}, {"record_id": "asc"}]
        if query.query is not None
        else [{"static_rank": "desc"}, {"record_id": "asc"}],
        "year_desc": [
            {"year": {"order": "desc", "missing": "_last"}},
            {"static_rank": "desc"},
            {"record_id": "asc"},
        ],
        "year_asc": [
            {"year": {"order": "asc", "missing": "_last"}},
            {"static_rank": "desc"},
            {"record_id": "asc"},
        ],
        "title": [{"title_key": "asc"}, {"record_id": "asc"}],
    }[query.sort]
    search = search.sort(*sort)[query.offset : query.offset + query.limit]
    if query.facets:
        for facet, field in FACET_FIELDS.items():
            search.aggs.bucket(facet, "terms", field=field, size=query.facet_size)
    return search


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(
        self, url: str | None = None, prefix: str | None = None, *, retries: int = 3, backoff: float = 0.5
    ):
        self.url = url or settings.ELASTICSEARCH_URL
        self.alias = f"{prefix or settings.ELASTICSEARCH_INDEX_PREFIX}-union-records"
        self.retries = retries
        self.backoff = backoff
        self._client: Elasticsearch | None = None

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            self._client = Elasticsearch(self.url, request_timeout=10, max_retries=1, retry_on_timeout=True)
        return self._client

    def _retrying(self, operation: Callable):
        delay = self.backoff
        for attempt in range(self.retries):
            try:
                return operation()
            except (TransportError, ConnectionError) as exc:
                if attempt == self.retries - 1:
                    raise SearchUnavailable(f"Elasticsearch unreachable at {self.url}: {exc}") from exc
                time.sleep(delay)
                delay *= 2
        return None

    # --- index management -------------------------------------------------------------------

    def _new_index_name(self) -> str:
        return f"{self.alias}-v{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def _aliased_indices(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def ensure_index(self) -> None:
        def run():
            self.client.indices.put_index_template(name=self.alias, **template_body(self.alias))
            if not self._aliased_indices():
                name = self._new_index_name()
                self.client.indices.create(index=name)
                self.client.indices.update_aliases(**alias_swap_actions(self.alias, [], name))

        self._retrying(run)

    def rebuild(self, batches: Iterable[list[dict]], progress: Callable[[int], None] | None = None) -> int:
        """Fill a new versioned index, then move the alias to it in one atomic request."""
        self._retrying(
            lambda: self.client.indices.put_index_template(name=self.alias, **template_body(self.alias))
        )
        name = self._new_index_name()
        self._retrying(lambda: self.client.indices.create(index=name, settings={"refresh_interval": "-1"}))
        written = 0
        for docs in batches:
            written += self._bulk(
                {"_op_type": "index", "_index": name, "_id": d["id"], "_source": es_document(d)} for d in docs
            )
            if progress:
                progress(len(docs))
        self.client.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
        self.client.indices.refresh(index=name)
        old = self._aliased_indices()
        self.client.indices.update_aliases(**alias_swap_actions(self.alias, old, name))
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        return written

    def refresh(self) -> None:
        self._retrying(lambda: self.client.indices.refresh(index=self.alias))

    # --- writing --------------------------------------------------------------------------------

    def _bulk(self, actions: Iterable[dict]) -> int:
        actions = list(actions)
        if not actions:
            return 0

        def run():
            ok = 0
            for success, info in streaming_bulk(
                self.client,
                actions,
                chunk_size=500,
                max_retries=5,
                initial_backoff=1,
                max_backoff=30,
                raise_on_error=False,
            ):
                if success:
                    ok += 1
                elif not (info.get("delete", {}).get("status") == 404):
                    raise BulkIndexError("bulk write failed", [info])
            return ok

        return self._retrying(run)

    def index(self, documents: Iterable[dict]) -> int:
        return self._bulk(
            {"_op_type": "index", "_index": self.alias, "_id": d["id"], "_source": es_document(d)}
            for d in documents
        )

    def delete(self, union_record_ids: Iterable[int]) -> int:
        return self._bulk({"_op_type": "delete", "_index": self.alias, "_id": pk} for pk in union_record_ids)

    def clear(self) -> None:
        self._retrying(
            lambda: self.client.delete_by_query(
                index=self.alias, query={"match_all": {}}, refresh=True, conflicts="proceed"
            )
        )

    # --- reading --------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        body = build_search(query, self.alias).to_dict()
        response = self._retrying(lambda: self.client.search(index=self.alias, body=body))
        hits = response["hits"]
        ids = [int(h["_id"]) for h in hits["hits"]]
        facets = {}
        for facet in FACET_FIELDS if query.facets else ():
            buckets = response.get("aggregations", {}).get(facet, {}).get("buckets", [])
            values = [(str(b.get("key_as_string", b["key"])), b["doc_count"]) for b in buckets]
            facets[facet] = sorted(values, key=lambda vc: (-vc[1], vc[0]))
        return SearchResult(total=hits["total"]["value"], ids=ids, facets=facets)

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        key = analysis.title_key(prefix or "")
        if not key:
            return []
        should = [Q("prefix", title_key=key)]
        word = analysis.pinyin_query(prefix)
        if word:
            should += [Q("prefix", pinyin_key=word), Q("prefix", initials_key=word)]
        search = (
            Search(index=self.alias)
            .query(Q("bool", should=should, minimum_should_match=1))
            .sort({"static_rank": "desc"}, {"record_id": "asc"})
            .source(["display_title"])[: limit * 3]
        )
        response = self._retrying(lambda: self.client.search(index=self.alias, body=search.to_dict()))
        titles = []
        for h in response["hits"]["hits"]:
            title = h["_source"].get("display_title")
            if title and title not in titles:
                titles.append(title)
        return titles[:limit]

    def indexed_versions(self) -> dict[int, int]:
        def run():
            return {
                int(h["_id"]): h["_source"]["version"]
                for h in scan(
                    self.client, index=self.alias, query={"query": {"match_all": {}}}, _source=["version"]
                )
            }

        return self._retrying(run)

    def status(self) -> dict:
        try:
            health = self.client.options(request_timeout=3).cluster.health()
            indices = self._aliased_indices()
        except (TransportError, ApiError, ConnectionError) as exc:
            return {"ok": False, "error": str(exc)[:200]}
        return {
            "ok": bool(indices) and health["status"] != "red",
            "cluster": health["status"],
            "indices": indices,
        }
