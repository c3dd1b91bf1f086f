"""The search box syntax (pure: no database)."""

from __future__ import annotations

import pytest

from search.contract import BoolNode, Term
from search.exceptions import QuerySyntaxError
from search.query import parse


def test_it_reads_free_words_as_and():
    assert parse("西游记 吴承恩") == BoolNode("and", (Term("any", "西游记"), Term("any", "吴承恩")))


def test_it_returns_none_for_an_empty_box():
    assert parse("") is None
    assert parse("   ") is None
    assert parse(None) is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("title:西游记", "title"),
        ("ti:西游记", "title"),
        ("题名:西游记", "title"),
        ("题名：西游记", "title"),
        ("author:吴承恩", "author"),
        ("著者:吴承恩", "author"),
        ("主题:小说", "subject"),
        ("isbn:9787020002207", "isbn"),
        ("issn:1000-0135", "issn"),
        ("clc:I24", "clc"),
        ("publisher:人民文学", "publisher"),
        ("year:1990", "year"),
    ],
)
def test_it_reads_fielded_terms(text, field):
    node = parse(text)
    assert isinstance(node, Term)
    assert node.field == field
    assert node.text == text.replace("：", ":").split(":", 1)[1]


def test_it_reads_phrases_and_fielded_phrases():
    assert parse('"journey to the west"') == Term("any", "journey to the west", phrase=True)
    assert parse('title:"journey west"') == Term("title", "journey west", phrase=True)
    assert parse("“西游 记”") == Term("any", "西游 记", phrase=True)


def test_it_reads_or_and_not_in_both_spellings():
    either = BoolNode("or", (Term("any", "红楼梦"), Term("any", "石头记")))
    assert parse("红楼梦 OR 石头记") == either
    assert parse("红楼梦 || 石头记") == either
    without = BoolNode("not", (Term("any", "三国"), Term("any", "漫画")))
    assert parse("三国 NOT 漫画") == without
    assert parse("三国 -漫画") == without
    assert parse("三国 !漫画") == without
    assert parse("三国 AND 演义") == parse("三国 && 演义") == parse("三国 演义")


def test_and_binds_tighter_than_or_and_brackets_override():
    assert parse("a b OR c") == BoolNode(
        "or", (BoolNode("and", (Term("any", "a"), Term("any", "b"))), Term("any", "c"))
    )
    assert parse("a (b OR c)") == BoolNode(
        "and", (Term("any", "a"), BoolNode("or", (Term("any", "b"), Term("any", "c"))))
    )


def test_a_field_applies_to_a_bracketed_group():
    assert parse("title:(红楼梦 OR 石头记) 曹雪芹") == BoolNode(
        "and", (BoolNode("or", (Term("title", "红楼梦"), Term("title", "石头记"))), Term("any", "曹雪芹"))
    )


def test_lower_case_operators_and_unknown_prefixes_are_words():
    assert parse("war and peace") == BoolNode(
        "and", (Term("any", "war"), Term("any", "and"), Term("any", "peace"))
    )
    assert parse("Re:Zero") == Term("any", "Re:Zero")
    assert parse("978-7-02-000220-7") == Term("any", "978-7-02-000220-7")


@pytest.mark.parametrize(
    "text",
    ["(a", "a)", "a AND", "OR b", "a OR", "-a", '"abc', "title:", "a AND OR b", "()", "a NOT", 'title:""', 'title:"  " war'],
)
def test_it_rejects_bad_syntax_with_a_user_error(text):
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    assert info.value.status_code == 400
    assert info.value.message


def test_it_rejects_an_overlong_query():
    with pytest.raises(QuerySyntaxError):
        parse("字" * 2000)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from search.contract import Node  # noqa: E402

BOX_ALPHABET = st.sampled_from(
    list('ab 西游记紅樓()"“”:：-!&|ANDORNOTtitle') + ["AND", "OR", "NOT", "title:", "题名:"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(BOX_ALPHABET, max_size=20).map("".join))
def test_any_box_text_parses_or_gives_a_syntax_error(text):
    try:
        node = parse(text)
    except QuerySyntaxError:
        return
    assert node is None or isinstance(node, Node)
