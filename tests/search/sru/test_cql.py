"""The CQL parser reads the LoC/YAZ sample queries and maps CQL onto the search contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.contract import BoolNode, Term
from search.sru.cql import Boolean, Clause, CQLSyntaxError, parse, translate
from search.sru.diagnostics import Diagnostic

SAMPLES = Path(__file__).parents[1] / "data" / "cql2xcqlsample"


def sample_queries():
    section = ""
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            section = line
            continue
        if line.strip():
            should_fail = "should error" in section or "Syntax error" in section
            yield pytest.param(line, should_fail, id=line.strip() or "blank")


@pytest.mark.parametrize(("text", "should_fail"), list(sample_queries()))
def test_it_parses_the_yaz_sample_queries_or_rejects_the_invalid_ones(text, should_fail):
    if should_fail:
        with pytest.raises(CQLSyntaxError):
            parse(text)
    else:
        assert parse(text).root is not None


def test_it_reads_booleans_left_to_right_with_equal_precedence():
    root = parse("a or b and c not d").root
    assert isinstance(root, Boolean) and root.op == "not"
    assert root.right == Clause("d")
    assert root.left.op == "and" and root.left.right == Clause("c")
    assert root.left.left == Boolean("or", Clause("a"), Clause("b"))


def test_it_keeps_index_relation_modifiers_and_quoted_terms():
    clause = parse('dc.title =/rel.algorithm=CORI "fish \\"chips\\""').root
    assert clause.index == "dc.title" and clause.relation == "="
    assert clause.modifiers[0].name == "rel.algorithm" and clause.modifiers[0].value == "CORI"
    assert clause.term == 'fish \\"chips\\"'


def test_it_reads_prefix_maps_and_sort_keys():
    query = parse('> dc="info:srw/cql-context-set/1/dc-v1.1" dc.title=fish sortby dc.date/sort.descending')
    assert query.prefixes == {"dc": "info:srw/cql-context-set/1/dc-v1.1"}
    assert query.sort_keys[0].index == "dc.date"
    assert query.sort_keys[0].modifiers[0].name == "sort.descending"


def test_it_reads_free_form_chinese_words_as_one_term():
    assert parse("西游 记").root == Clause("西游 记")
    assert parse("dc.title 西游 记").root == Clause("西游 记", "dc.title")


def test_it_maps_indexes_onto_contract_fields():
    assert translate("dc.title = 西游记").node == Term("title", "西游记")
    assert translate("dc.creator=吴承恩").node == Term("author", "吴承恩")
    assert translate("bath.isbn=7-02-000220-X").node == Term("isbn", "7-02-000220-X")
    assert translate("dc.subject = 小说").node == Term("subject", "小说")
    assert translate("cql.anywhere = 红楼梦").node == Term("any", "红楼梦")
    assert translate("cql.serverChoice = 红楼梦").node == Term("any", "红楼梦")
    assert translate("红楼梦").node == Term("any", "红楼梦")
    assert translate("title = fish").node == Term("title", "fish")


def test_it_maps_relations_any_all_adj_and_phrases():
    assert translate('dc.title any "fish chips"').node == BoolNode(
        "or", (Term("title", "fish"), Term("title", "chips"))
    )
    assert translate('dc.title all "fish chips"').node == BoolNode(
        "and", (Term("title", "fish"), Term("title", "chips"))
    )
    assert translate('dc.title adj "fish chips"').node == Term("title", "fish chips", phrase=True)
    assert translate('dc.title = "fish chips"').node == Term("title", "fish chips", phrase=True)


def test_it_maps_booleans_and_flattens_chains():
    node = translate("dc.title=a and dc.creator=b and (c or d) not e").node
    assert node == BoolNode(
        "not",
        (
            BoolNode(
                "and",
                (
                    Term("title", "a"),
                    Term("author", "b"),
                    BoolNode("or", (Term("any", "c"), Term("any", "d"))),
                ),
            ),
            Term("any", "e"),
        ),
    )


def test_it_turns_date_comparisons_into_a_year_range():
    result = translate("dc.title = 三国 and dc.date >= 1990 and dc.date < 2000")
    assert result.node == Term("title", "三国")
    assert (result.year_from, result.year_to) == (1990, 1999)


def test_it_maps_sort_keys():
    assert translate("a sortby dc.date/sort.descending").sort == "year_desc"
    assert translate("a sortby dc.date").sort == "year_asc"
    assert translate("a sortby dc.title").sort == "title"


def test_all_records_matches_everything():
    assert translate("cql.allRecords = 1").node is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("dc.title any", 10),
        ("(a or b", 10),
        ("dc.fish = x", 16),
        ("title > 9", 19),
        ("dc.title within x", 19),
        ("a prox b", 37),
        ("a and/rel.SumOfScores b", 46),
        ("dc.title any/stem fish", 20),
        ('""', 27),
        ("cat*", 28),
        ("dc.date = nineteen", 36),
        ('> foo="urn:unknown" foo.title = x', 15),
        ("ccg.force = 3", 15),
        ("a sortby dc.creator", 80),
        ("dc.title = a or dc.date > 2000", 48),
    ],
)
def test_it_raises_the_right_diagnostic(text, code):
    with pytest.raises(Diagnostic) as info:
        translate(text)
    assert info.value.code == code
    assert info.value.uri == f"info:srw/diagnostic/1/{code}"
