"""Text analysis shared by the backends (pure: no database)."""

from __future__ import annotations

import pytest

from search import analysis
from search.exceptions import BadSearchParameter


def test_fold_makes_text_half_width_simplified_lower_case_and_unaccented():
    assert analysis.fold("紅樓夢") == "红楼梦"
    assert analysis.fold("ＡＢＣ１２３") == "abc123"
    assert analysis.fold("Les Misérables") == "les miserables"
    assert analysis.fold("") == ""


def test_chinese_runs_become_bigrams_with_index_unigrams():
    assert analysis.token_list("西游记", query=True) == ["西游", "游记"]
    assert sorted(analysis.token_list("西游记")) == sorted(["西游", "游记", "西", "游", "记"])
    assert analysis.token_list("书", query=True) == ["书"]


def test_positions_are_consecutive_across_scripts():
    assert analysis.tokens("西游记 Journey West", query=True) == [
        ("西游", 1),
        ("游记", 2),
        ("journey", 3),
        ("west", 4),
    ]


def test_traditional_query_tokens_equal_simplified_ones():
    assert analysis.token_list("西遊記", query=True) == analysis.token_list("西游记", query=True)


def test_pinyin_tokens_cover_every_suffix_in_full_and_initials():
    toks = analysis.pinyin_tokens("西游记故事")
    assert {"xiyoujigushi", "xyjgs", "youjigushi", "jigushi", "gushi", "gs"} <= toks
    assert analysis.pinyin_tokens("Harry Potter") == set()


def test_pinyin_query_accepts_latin_words_only():
    assert analysis.pinyin_query("XiYouJi") == "xiyouji"
    assert analysis.pinyin_query("西游") is None
    assert analysis.pinyin_query("x") is None
    assert analysis.pinyin_query("978") is None


def test_clc_prefixes_and_main_class():
    assert analysis.clc_prefixes("I247.5") == {"I", "I2", "I24", "I247", "I247.5"}
    assert analysis.clc_prefixes(" tp311.12 ") >= {"TP", "TP3", "TP311", "TP311.1", "TP311.12"}
    assert analysis.clc_class("TP311") == "T"
    assert analysis.clc_class("W123") is None  # W and others are not main classes
    assert len(analysis.CLC_CLASSES) == 22


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990", (1990, 1990)),
        ("1990-2000", (1990, 2000)),
        ("2000-1990", (1990, 2000)),
        ("1990-", (1990, None)),
        ("-2000", (None, 2000)),
        ("1990至2000", (1990, 2000)),
    ],
)
def test_year_ranges(text, expected):
    assert analysis.year_range(text) == expected


@pytest.mark.parametrize("text", ["abc", "-", "19x0"])
def test_bad_years_are_user_errors(text):
    with pytest.raises(BadSearchParameter):
        analysis.year_range(text)


def test_title_key_ignores_spaces_punctuation_and_script():
    assert analysis.title_key("紅樓夢（上）") == analysis.title_key("红楼梦 上")
    assert analysis.title_key("Journey to the West!") == "journeytothewest"
