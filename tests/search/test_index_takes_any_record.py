"""The search index takes any record the catalogue takes: a 3,000-byte word (ASCII, Chinese,
Thai), a title of more than a megabyte, an ISSN or a class number longer than its column. Each
is indexed in the same outbox batch as an ordinary record, nothing is failed or dead-lettered,
and each is found by its other words (and by the long word itself, cut as the analyser cuts it).
PostgreSQL refuses a lexeme over 2,047 bytes and a tsvector over 1 MB; the analyser and the
backend keep within those limits."""

from __future__ import annotations

import re

import pytest

from search import analysis
from search.backends.postgres import row_for
from search.contract import SearchQuery
from search.documents import document_for
from search.query import parse
from search.services import drain_union_outbox
from union.models import UnionChange, UnionHolding, UnionRecord

LONG_ASCII = "x" * 3000
LONG_CHINESE = "".join(chr(0x4E00 + (i * 7) % 20000) for i in range(1000))  # 3,000 bytes, one run
LONG_THAI = "กขค" * 334  # Thai has no spaces: one 3,000-byte word
# More than a megabyte of distinct words and Chinese: the whole would be a tsvector over 1 MB.
HUGE_TITLE = "hugetitle opening " + " ".join(f"w{i}z" for i in range(150_000)) + " " + "".join(
    chr(0x4E00 + i) for i in range(20_000))

pytestmark = pytest.mark.django_db


def make_record(library, n: int, title: str, **fields) -> UnionRecord:
    record = UnionRecord.objects.create(urid=f"U{n:06d}", title=title, year=2000, **fields)
    UnionHolding.objects.create(union_record=record, library=library, instance_id=n, items_total=1)
    UnionChange.objects.create(union_record_id=record.pk)
    return record


def hits(engine, text) -> set[int]:
    return set(engine.search(SearchQuery(query=parse(text), limit=100)).ids)


def test_hostile_records_are_indexed_in_the_same_batch_as_ordinary_ones(pg, library):
    ordinary = make_record(library, 1, "西游记")
    ascii_word = make_record(library, 2, f"asciiword {LONG_ASCII} ending", subjects=[LONG_ASCII])
    chinese = make_record(library, 3, f"红楼梦 {LONG_CHINESE} chineseword")
    thai = make_record(library, 4, f"thaiword {LONG_THAI}", authors=[{"name": LONG_THAI}])
    huge = make_record(library, 5, HUGE_TITLE)
    codes = make_record(library, 6, "codesword", issns=["1234-5678", "9" * 3000], clc=["I" + "2" * 3000])
    after = make_record(library, 7, "三国演义")

    assert drain_union_outbox() == {"processed": 7, "failed": 0, "pending": 0}
    assert pg.indexed_versions().keys() == {r.pk for r in (ordinary, ascii_word, chinese, thai, huge, codes, after)}

    assert hits(pg, "西游记") == {ordinary.pk}
    assert hits(pg, "三国演义") == {after.pk}
    assert hits(pg, "asciiword ending") == {ascii_word.pk}
    # The search box takes 1,000 characters: the start of the long word is enough to find it.
    assert hits(pg, LONG_ASCII[:500]) == {ascii_word.pk}
    assert hits(pg, "红楼梦 chineseword") == {chinese.pk}
    assert hits(pg, LONG_CHINESE[:5]) == {chinese.pk}
    assert hits(pg, "thaiword") == {thai.pk}
    assert hits(pg, f"author:{LONG_THAI[:300]}") == {thai.pk}
    assert hits(pg, "hugetitle opening") == {huge.pk}
    assert hits(pg, "w10z") == {huge.pk}
    assert hits(pg, "codesword issn:1234-5678") == {codes.pk}
    assert hits(pg, "clc:I22") == {codes.pk}


def test_every_vector_of_a_huge_record_stays_inside_postgresql_limits(library):
    record = UnionRecord.objects.create(urid="U1", title=HUGE_TITLE + " " + LONG_THAI, summary=LONG_ASCII)
    row = row_for(document_for(record))
    vectors = [value for value in row if isinstance(value, str) and value.startswith("'")]
    assert len(vectors) >= 3
    for literal in vectors:
        assert len(literal.encode()) < 1024 * 1024
        for lexeme in re.findall(r"'((?:[^']|'')*)'", literal):
            assert len(lexeme.encode()) < 2048


def test_the_analyser_cuts_a_long_word_the_same_at_index_and_query_time():
    (indexed,) = analysis.token_list(LONG_ASCII)
    (asked,) = analysis.token_list(LONG_ASCII, query=True)
    assert indexed == asked == "x" * analysis.MAX_WORD
    assert analysis.cut_long_words(f"a {LONG_ASCII} b") == f"a {'x' * analysis.MAX_WORD} b"
    assert len(analysis.clc_prefixes("I" + "2" * 3000)) == analysis.CLC_MAX
    assert analysis.issn_forms(["1234-5678", "9" * 3000, ""]) == ["12345678"]
