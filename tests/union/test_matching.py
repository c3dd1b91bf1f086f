"""The pure matching module: normalisation, keys, guards, explanations and the evaluation set."""

from __future__ import annotations

import json
from pathlib import Path

from union.matching import (
    Clusterer,
    Decisions,
    MatchRecord,
    compare,
    control_number_key,
    evaluate,
    normalize_author,
    normalize_edition,
    normalize_issn,
    normalize_text,
    normalize_title,
    normalize_volume,
)

DATA = Path(__file__).parent / "data"


def rec(ref="a", **fields):
    base = {"title": "红楼梦", "authors": [{"name": "曹雪芹"}], "publisher": "人民文学出版社", "year": 2008}
    base.update(fields)
    return MatchRecord.from_fields(ref, base)


def test_isbn10_and_isbn13_of_one_book_are_one_key():
    assert rec("a", isbns=[{"value": "7-5037-1744-0"}]).isbns == ("9787503717444",)
    assert rec("b", isbns=["978-7-5037-1744-4"]).isbns == ("9787503717444",)
    assert rec("c", isbns=[{"value": "0-14-023931-6 (pbk.)", "isbn13": ""}]).isbns == ("9780140239317",)
    assert rec("d", isbns=["ISBN 978 7 04 024765 7 : CNY29.00"]).isbns == ("9787040247657",)


def test_it_rejects_isbns_with_a_wrong_check_digit():
    assert rec("a", isbns=["7-5037-1744-1", "9787040247658", "CNY68.00"]).isbns == ()


def test_issn_is_checked_and_hyphenated():
    assert normalize_issn("0317-8471") == "0317-8471"
    assert normalize_issn("03178471") == "0317-8471"
    assert normalize_issn("0317-8472") is None


def test_035_national_bibliography_calis_and_oclc_numbers_are_keys_local_numbers_are_not():
    assert control_number_key("(OCoLC)ocm00012345") == "oclc:12345"
    assert control_number_key({"type": "oclc", "value": "12345"}) == "oclc:12345"
    assert control_number_key("(CALIS)CAL 012004012345") == "calis:CAL012004012345"
    assert control_number_key("(NLC)001234567") == "nbn:001234567"
    assert control_number_key("(aleph)000218074BNU03") is None
    assert control_number_key("990002180740203961") is None


def test_text_folds_traditional_fullwidth_case_punctuation_and_spacing():
    assert normalize_text("紅樓夢") == normalize_text("红楼梦")
    assert normalize_text("ＡＢＣ　１２３") == normalize_text("abc 123") == "abc123"
    assert normalize_text("红 楼 梦：") == "红楼梦"
    assert normalize_title("The Pride and Prejudice.") == normalize_title("pride and prejudice")
    # Characters, not bytes: a one-character difference is one character.
    assert len(normalize_text("资治通鉴")) == 4


def test_author_forms_agree():
    assert normalize_author("Austen, Jane, 1775-1817") == normalize_author("Jane Austen")
    assert normalize_author("(清)曹雪芹著") == normalize_author("曹雪芹")
    assert normalize_author("國家統計局編") == normalize_author("国家统计局")


def test_volume_and_edition_forms_agree():
    assert normalize_volume("第一卷") == normalize_volume("第1卷") == normalize_volume("Vol. 1") == "1"
    assert normalize_volume("上册") != normalize_volume("下册")
    assert normalize_edition("第2版") == normalize_edition("二版") == normalize_edition("2nd ed.") == "2"
    assert normalize_edition("") == normalize_edition("第1版") == "1"


def test_isbn_10_and_13_copies_match_and_say_why():
    a = rec("a", isbns=[{"value": "7-5037-1744-0"}])
    b = rec("b", isbns=[{"value": "978-7-5037-1744-4"}], title="紅樓夢")
    decision = compare(a, b)
    assert decision.match
    assert decision.keys == ["isbn:9787503717444"]


def test_records_without_identifiers_match_on_the_fingerprint():
    a = rec("a", title="紅樓夢", publisher="人民文學出版社")
    b = rec("b", title="红楼梦 ", publisher="人民文学出版社")
    decision = compare(a, b)
    assert decision.match and decision.keys == ["fingerprint"]


def test_different_volumes_editions_years_and_material_types_stay_apart():
    a = rec("a", isbns=["9787503717444"], volume="第1卷")
    assert "volume" in compare(a, rec("b", isbns=["9787503717444"], volume="第2卷")).guards
    assert not compare(a, rec("b", isbns=["9787503717444"], volume="第2卷")).match
    assert not compare(rec("a", edition="第2版"), rec("b", edition="第3版")).match
    assert not compare(rec("a", year=2008), rec("b", year=2009)).match
    assert not compare(rec("a", material_type="book"), rec("b", material_type="video")).match


def test_a_shared_isbn_on_clearly_different_titles_is_taken_as_wrong():
    a = rec("a", isbns=["9787503717444"])
    b = rec("b", isbns=["9787503717444"], title="数学分析习题集", authors=[{"name": "王明"}])
    decision = compare(a, b)
    assert not decision.match
    assert "identifier_title_conflict" in decision.guards


def test_an_isbn_a_coordinator_marked_wrong_is_not_a_key():
    a = rec("a", isbns=["9787503717444"], publisher="甲出版社")
    b = rec("b", isbns=["9787503717444"], publisher="乙出版社", authors=[{"name": "高鹗"}])
    assert compare(a, b).match
    decision = compare(a, b, bad_keys={"isbn:9787503717444"})
    assert not decision.match
    assert "known_wrong:isbn:9787503717444" in decision.guards


def test_paperback_and_hardback_with_different_isbns_stay_apart():
    a = rec("a", isbns=["9780140239317"])
    b = rec("b", isbns=["9780140434255"])
    assert not compare(a, b).match


def test_coordinator_decisions_override_matching():
    a, b = rec("a", isbns=["9787503717444"]), rec("b", isbns=["9787503717444"])
    apart = Clusterer(Decisions(apart={frozenset(("a", "b"))})).add_all([a, b])
    assert apart.cluster_of["a"] != apart.cluster_of["b"]
    c = rec("c", title="石头记", year=1990)
    together = Clusterer(Decisions(together={frozenset(("a", "c"))})).add_all([a, c])
    assert together.cluster_of["a"] == together.cluster_of["c"]
    assert together.why["c"].keys == ["coordinator_merge"]


def test_a_record_without_identifiers_between_two_editions_goes_to_review():
    hard = rec("h", isbns=["9780140239317"])
    soft = rec("p", isbns=["9780140434255"])
    bare = rec("x")
    clusterer = Clusterer().add_all([hard, soft, bare])
    assert len(set(clusterer.cluster_of.values())) == 3
    assert {other for ref, other, _d in clusterer.uncertain if ref == "x"} == {"h", "p"}


def test_evaluation_set_meets_precision_and_recall_targets():
    items = json.loads((DATA / "eval_set.json").read_text(encoding="utf-8"))
    assert len(items) > 1000
    cases = {item["case"] for item in items}
    assert {"traditional", "other_volume", "wrong_isbn", "other_edition", "no_identifiers"} <= cases
    for rebuild in (True, False):
        result = evaluate(items, rebuild=rebuild)
        print(f"rebuild={rebuild} precision={result['precision']:.4f} recall={result['recall']:.4f}")
        assert result["precision"] >= 0.99, result["false_merges"][:10]
        assert result["recall"] >= 0.95, result["missed"][:10]
