"""The one text fold shared by union matching and search analysis (pure: no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.text import _fold, fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("紅樓夢", "红楼梦"),  # traditional to simplified
        ("ＡＢＣ　１２３", "abc 123"),  # full-width letters, digits and ideographic space
        ("Les Misérables", "les miserables"),
        ("Dvořák", "dvorak"),
        ("Straße", "strasse"),  # case folding, not lower-casing
        ("ÉCOLE", "ecole"),
        ("Cafe\u0301", "cafe"),  # an accent typed as a combining mark
        ("ﬁn", "fin"),  # ligature
        ("①②", "12"),
        ("Søren Kierkegaard", "soren kierkegaard"),
        ("Łódź", "lodz"),
        ("Encyclopædia", "encyclopaedia"),
        ("Ἀθῆναι", "αθηναι"),
        ("Ёлка", "елка"),
        ("  red \t\n  chamber ", "red chamber"),
        ("", ""),
    ],
)
def test_it_folds(text, expected):
    assert fold(text) == expected


def test_it_keeps_kana_voicing_hangul_and_indic_vowel_signs():
    assert fold("がっこう") == "がっこう" != fold("かっこう")
    assert fold("ｶﾞｯｺｳ") == "ガッコウ"  # half-width katakana made full-width, voicing kept
    assert fold("한국어") == "한국어"
    assert fold("Café 한국어") == "cafe 한국어"  # recomposed after the accents are dropped
    assert fold("हिन्दी") == "हिन्दी"


def test_simplified_chinese_and_japanese_kana_pass_through():
    assert fold("西游记 第1卷") == "西游记 第1卷"
    assert fold("こころ") == "こころ"


def test_long_texts_fold_like_short_ones():
    text = "紅樓夢 Misérables " * 40
    assert fold(text) == ("红楼梦 miserables " * 40).strip()


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40))
def test_the_ascii_shortcut_answers_as_the_full_fold(text):
    assert fold(text) == _fold(text)


@given(st.text(max_size=30))
def test_folding_twice_changes_nothing(text):
    assert fold(fold(text)) == fold(text)
