"""The matching normalisers take time in proportion to the text (no regular expression that
rescans the rest of a long run from every position)."""

from __future__ import annotations

import time

from union.matching import normalize_author, normalize_title


def _seconds(func, text: str) -> float:
    start = time.perf_counter()
    func(text)
    return time.perf_counter() - start


def test_a_long_run_of_chinese_role_words_normalises_in_well_under_a_second():
    # "(主编|...|著)+$" was retried from every position of the run: minutes for 20,000 characters.
    name = "鲁迅" + "著" * 20_000 + "传"
    assert _seconds(normalize_author, name) < 2
    assert normalize_author("鲁迅" + "著" * 20_000) == "鲁迅"


def test_role_words_are_still_cut_from_the_end_of_a_chinese_name():
    assert normalize_author("张三主编") == "张三"
    assert normalize_author("鲁迅著") == "鲁迅"
    assert normalize_author("李四 编著") == "李四"
    assert normalize_author("王五审") == "王五审"  # 审 alone is no role word


def test_a_title_of_many_unclosed_brackets_normalises_in_well_under_a_second():
    title = "Collected works " + "[" * 40_000
    assert _seconds(normalize_title, title) < 2
    assert normalize_title(title) == "collectedworks"


def test_bracketed_additions_are_still_left_out_of_a_title():
    assert normalize_title("Hamlet [electronic resource]") == normalize_title("Hamlet")
    assert normalize_title("红楼梦 [专著]") == "红楼梦"
    assert normalize_title("[Untitled]") == "untitled"
