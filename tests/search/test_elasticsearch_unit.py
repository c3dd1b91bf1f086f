"""The Elasticsearch backend without a server: mappings, documents and the exact request bodies.

The same contract suite (tests/search/contract) runs against a real server when
ELASTICSEARCH_URL is set; here nothing is sent anywhere, except to a closed local port to show
that an unreachable server leaves changes in the outbox.
"""

from __future__ import annotations

import socket

import pytest

from search import backends
from search.backends.elasticsearch import (
    ANALYSIS,
    MAPPINGS,
    ElasticsearchBackend,
    alias_swap_actions,
    build_search,
    es_document,
    template_body,
)
from search.contract import SearchQuery
from search.exceptions import BadSearchParameter, SearchUnavailable
from search.query import parse

BUILT_IN_FILTERS = {"cjk_width", "lowercase", "asciifolding"}
BUILT_IN_FILTER_TYPES = {"cjk_bigram", "truncate"}


def doc(**overrides) -> dict:
    base = {
        "id": 7,
        "urid": "U7",
        "version": 3,
        "title": "西遊記",
        "other_title": "",
        "parallel_titles": ["Journey to the West"],
        "volume": "",
        "responsibility": "吴承恩著",
        "authors": ["吴承恩"],
        "edition": "",
        "publisher": "人民文学出版社",
        "place": "北京",
        "year": 1980,
        "series": [],
        "isbns": ["9787020002207"],
        "issns": [],
        "languages": ["chi"],
        "clc": ["I242.4"],
        "clc_classes": ["I"],
        "subjects": ["章回小说"],
        "summary": "",
        "material_type": "book",
        "holdings": [],
        "libraries": ["alpha", "beta"],
        "districts": ["east"],
        "holdings_count": 2,
        "items_total": 3,
        "available": True,
    }
    base.update(overrides)
    return base


def test_the_template_uses_only_built_in_analysis():
    body = template_body("unioncat-union-records")
    assert body["index_patterns"] == ["unioncat-union-records-v*"]
    settings = body["template"]["settings"]
    assert settings["analysis"] == ANALYSIS
    index_analyzer = ANALYSIS["analyzer"]["union_index"]
    search_analyzer = ANALYSIS["analyzer"]["union_search"]
    assert index_analyzer["tokenizer"] == search_analyzer["tokenizer"] == "standard"
    assert index_analyzer["filter"] == ["cjk_width", "lowercase", "asciifolding", "long_words", "cjk_bigram_index"]
    assert search_analyzer["filter"] == ["cjk_width", "lowercase", "asciifolding", "long_words", "cjk_bigram_search"]
    assert ANALYSIS["filter"] == {
        "cjk_bigram_index": {"type": "cjk_bigram", "output_unigrams": True},
        "cjk_bigram_search": {"type": "cjk_bigram", "output_unigrams": False},
        "long_words": {"type": "truncate", "length": 128},
    }
    for name in (*index_analyzer["filter"], *search_analyzer["filter"]):
        assert name in BUILT_IN_FILTERS or ANALYSIS["filter"][name]["type"] in BUILT_IN_FILTER_TYPES


def test_the_mapping_is_explicit_and_strict():
    props = MAPPINGS["properties"]
    assert MAPPINGS["dynamic"] == "strict"
    for field in ("any", "title", "author", "subject", "publisher"):
        assert props[field] == {"type": "text", "analyzer": "union_index", "search_analyzer": "union_search"}
    for field in (
        "isbns",
        "issns",
        "clc_prefixes",
        "libraries",
        "districts",
        "material_type",
        "languages",
        "clc_classes",
        "pinyin",
        "codes",
        "title_key",
    ):
        assert props[field]["type"] == "keyword", field
    assert props["year"]["type"] == "integer"
    assert props["available"]["type"] == "boolean"
    # Every field the indexer writes is mapped (dynamic: strict would reject anything else).
    assert set(es_document(doc())) <= set(props)


def test_documents_are_folded_and_carry_pinyin_and_both_isbns():
    source = es_document(doc())
    assert source["title"] == "西游记 journey to the west"
    assert source["title_key"] == "西游记"
    assert {"xiyouji", "xyj", "youji"} <= set(source["pinyin"])
    assert source["pinyin_key"] == "xiyouji" and source["initials_key"] == "xyj"
    assert set(source["isbns"]) == {"9787020002207", "702000220X"}
    assert {"9787020002207", "702000220x", "i24", "i242.4"} <= set(source["codes"])
    assert source["clc_prefixes"] == ["I", "I2", "I24", "I242", "I242.4"]
    assert source["static_rank"] == 203
    assert source["libraries"] == ["alpha", "beta"]


def test_a_simple_search_body():
    body = build_search(SearchQuery(query=parse("西遊記"), facets=False), "idx").to_dict()
    assert body == {
        "query": {
            "function_score": {
                "boost_mode": "sum",
                "functions": [
                    {"field_value_factor": {"field": "static_rank", "modifier": "log1p", "factor": 0.05}}
                ],
                "query": {
                    "bool": {
                        "must": [{"match": {"any": {"query": "西游记", "operator": "and"}}}],
                        "should": [{"term": {"title_key": {"value": "西游记", "boost": 100}}}],
                    }
                },
            }
        },
        "sort": ["_score", {"static_rank": "desc"}, {"record_id": "asc"}],
        "track_total_hits": True,
        "from": 0,
        "size": 20,
        "_source": False,
    }


def test_a_pinyin_word_adds_a_prefix_query_and_exact_pinyin_boosts():
    body = build_search(SearchQuery(query=parse("xyj"), facets=False), "idx").to_dict()
    inner = body["query"]["function_score"]["query"]["bool"]
    assert inner["must"] == [
        {
            "bool": {
                "should": [
                    {"match": {"any": {"query": "xyj", "operator": "and"}}},
                    {"prefix": {"pinyin": {"value": "xyj"}}},
                ],
                "minimum_should_match": 1,
            }
        }
    ]
    assert {"term": {"initials_key": {"value": "xyj", "boost": 50}}} in inner["should"]


def test_an_isbn_in_the_box_also_matches_codes():
    body = build_search(SearchQuery(query=parse("7-02-000220-7"), facets=False), "idx").to_dict()
    must = body["query"]["function_score"]["query"]["bool"]["must"][0]
    assert {"terms": {"codes": ["7020002207", "702000220x", "9787020002207"]}} in must["bool"]["should"]


def test_fielded_boolean_filters_sort_paging_and_facets():
    query = SearchQuery(
        query=parse('title:红楼梦 -"研究" isbn:7020002207'),
        filters={"library": ["alpha", "beta"], "available": ["true"]},
        year_from=1990,
        sort="year_desc",
        offset=20,
        limit=10,
        facet_size=5,
    )
    body = build_search(query, "idx").to_dict()
    inner = body["query"]["function_score"]["query"]["bool"]
    assert inner["filter"] == [
        {"terms": {"available": [True]}},
        {"terms": {"libraries": ["alpha", "beta"]}},
        {"range": {"year": {"gte": 1990}}},
    ]
    assert inner["must"] == [
        {
            "bool": {
                "must": [
                    {
                        "bool": {
                            "must": [
                                {"match": {"title": {"query": "红楼梦", "operator": "and"}}},
                                {"terms": {"isbns": ["7020002207", "702000220X", "9787020002207"]}},
                            ]
                        }
                    }
                ],
                "must_not": [{"match_phrase": {"any": {"query": "研究"}}}],
            }
        }
    ]
    assert body["sort"] == [
        {"year": {"order": "desc", "missing": "_last"}},
        {"static_rank": "desc"},
        {"record_id": "asc"},
    ]
    assert (body["from"], body["size"]) == (20, 10)
    assert body["aggs"] == {
        "library": {"terms": {"field": "libraries", "size": 5}},
        "district": {"terms": {"field": "districts", "size": 5}},
        "material_type": {"terms": {"field": "material_type", "size": 5}},
        "language": {"terms": {"field": "languages", "size": 5}},
        "year": {"terms": {"field": "year", "size": 5}},
        "clc_class": {"terms": {"field": "clc_classes", "size": 5}},
        "available": {"terms": {"field": "available", "size": 5}},
    }


def test_clc_year_and_or_bodies():
    body = build_search(SearchQuery(query=parse("clc:I24 OR year:1990-2000"), facets=False), "idx").to_dict()
    assert body["query"]["function_score"]["query"]["bool"]["must"] == [
        {
            "bool": {
                "should": [
                    {"term": {"clc_prefixes": "I24"}},
                    {"range": {"year": {"gte": 1990, "lte": 2000}}},
                ],
                "minimum_should_match": 1,
            }
        }
    ]


def test_browsing_without_a_query_sorts_by_static_rank():
    body = build_search(SearchQuery(facets=False, limit=5), "idx").to_dict()
    assert body == {
        "query": {"match_all": {}},
        "sort": [{"static_rank": "desc"}, {"record_id": "asc"}],
        "track_total_hits": True,
        "from": 0,
        "size": 5,
        "_source": False,
    }


def test_bad_requests_are_user_errors_before_anything_is_sent():
    with pytest.raises(BadSearchParameter):
        build_search(SearchQuery(offset=9995, limit=10))
    with pytest.raises(BadSearchParameter):
        build_search(SearchQuery(sort="random"))
    with pytest.raises(BadSearchParameter):
        build_search(SearchQuery(filters={"colour": ["red"]}))


def test_alias_swap_is_one_atomic_request():
    assert alias_swap_actions("a", ["a-v2", "a-v1"], "a-v3") == {
        "actions": [
            {"remove": {"index": "a-v1", "alias": "a"}},
            {"remove": {"index": "a-v2", "alias": "a"}},
            {"add": {"index": "a-v3", "alias": "a", "is_write_index": True}},
        ]
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_raises_search_unavailable_after_retries():
    engine = ElasticsearchBackend(
        url=f"http://127.0.0.1:{closed_port()}", prefix="t", retries=2, backoff=0.01
    )
    with pytest.raises(SearchUnavailable):
        engine.index([doc()])
    with pytest.raises(SearchUnavailable):
        engine.search(SearchQuery(query=parse("西游记")))
    assert engine.status()["ok"] is False


def test_changes_wait_in_the_outbox_while_elasticsearch_is_down(db, make_library, district_a, monkeypatch):
    from search.services import drain_union_outbox
    from union.models import UnionChange, UnionHolding, UnionRecord

    library = make_library("alpha", region=district_a)
    record = UnionRecord.objects.create(urid="E1", title="西游记")
    UnionHolding.objects.create(union_record=record, library=library, instance_id=1)
    UnionChange.objects.create(union_record_id=record.pk)
    down = ElasticsearchBackend(url=f"http://127.0.0.1:{closed_port()}", prefix="t", retries=2, backoff=0.01)
    monkeypatch.setitem(backends._instances, "elasticsearch", down)
    outcome = drain_union_outbox(backend="elasticsearch")
    assert outcome == {"processed": 0, "failed": 1, "pending": 1}
    change = UnionChange.objects.get()
    assert change.processed_at is None and change.attempts == 1
    assert "unreachable" in change.last_error
    # When search is back (here: the PostgreSQL backend), the same change is applied.
    assert drain_union_outbox(backend="postgres")["processed"] == 1


def test_a_record_with_a_3000_byte_word_cannot_exceed_a_lucene_term():
    from search import analysis

    source = es_document(doc(title="asciiword " + "x" * 3000, subjects=["红" * 1000 + "y" * 3000]))
    assert max(len(word) for word in source["title"].split()) == analysis.MAX_WORD
    assert "y" * (analysis.MAX_WORD + 1) not in source["subject"]
    for name, mapping in MAPPINGS["properties"].items():
        if mapping["type"] == "keyword" and mapping.get("index", True):
            assert mapping["ignore_above"] * 4 < 32766, name  # four bytes a character at most
    assert MAPPINGS["properties"]["display_title"]["doc_values"] is False
    body = build_search(SearchQuery(query=parse("title:" + "x" * 900))).to_dict()

    def matches(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "match":
                    yield value
                else:
                    yield from matches(value)
        elif isinstance(node, list):
            for value in node:
                yield from matches(value)

    assert [m["title"]["query"] for m in matches(body)] == ["x" * analysis.MAX_WORD]
