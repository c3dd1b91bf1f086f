"""What every search backend must do (run against each configured backend)."""

from __future__ import annotations

import pytest

from search.contract import SearchQuery
from search.exceptions import BadSearchParameter
from search.query import parse
from tests.search.catalogue import JOURNEY_ISBN10, SERIES_SIZE, XIYOUJI_ISBN10, isbn13


def run(backend, text=None, **kwargs):
    return backend.search(SearchQuery(query=parse(text) if text is not None else None, **kwargs))


def found(backend, text=None, **kwargs) -> set[int]:
    result = run(backend, text, limit=100, **kwargs)
    return set(result.ids)


def ids(contract_catalogue, *keys) -> set[int]:
    return {contract_catalogue[k].pk for k in keys}


def test_an_exact_title_ranks_first(backend, contract_catalogue):
    # 西游记故事 is held by three libraries, 西游记 by one: the exact title still wins.
    result = run(backend, "西游记")
    assert result.ids[0] == contract_catalogue["xiyouji"].pk
    assert contract_catalogue["xiyouji_stories"].pk in result.ids


def test_an_exact_english_title_ranks_first(backend, contract_catalogue):
    result = run(backend, "journey to the west")
    assert result.ids[0] == contract_catalogue["journey"].pk


def test_chinese_is_matched_by_bigrams_and_single_characters(backend, contract_catalogue):
    assert ids(contract_catalogue, "xiyouji", "xiyouji_stories") <= found(backend, "游记")
    assert contract_catalogue["hongloumeng"].pk in found(backend, "梦")
    assert contract_catalogue["atlas"].pk in found(backend, "地图")
    assert contract_catalogue["data_structures"].pk not in found(backend, "游记")


def test_traditional_and_simplified_find_each_other(backend, contract_catalogue):
    assert found(backend, "红楼梦") >= ids(contract_catalogue, "hongloumeng", "hlm_study")
    assert found(backend, "紅樓夢") >= ids(contract_catalogue, "hongloumeng", "hlm_study")
    assert contract_catalogue["xiyouji"].pk in found(backend, "西遊記")


def test_full_width_and_accents_are_folded(backend, contract_catalogue):
    assert contract_catalogue["potter"].pk in found(backend, "ＨＡＲＲＹ ＰＯＴＴＥＲ")
    assert contract_catalogue["miserables"].pk in found(backend, "miserables")
    assert contract_catalogue["miserables"].pk in found(backend, "MISÉRABLES")


def test_pinyin_and_pinyin_initials_find_chinese_titles(backend, contract_catalogue):
    for text in ("xiyouji", "xyj", "XiYouJi"):
        result = run(backend, text)
        assert result.ids and result.ids[0] == contract_catalogue["xiyouji"].pk, text
    assert contract_catalogue["hongloumeng"].pk in found(backend, "hongloumeng")
    assert contract_catalogue["hongloumeng"].pk in found(backend, "hlm")
    # A suffix of a title: 演义 in 三国演义.
    assert contract_catalogue["sanguo"].pk in found(backend, "yanyi")
    assert contract_catalogue["potter"].pk not in found(backend, "xyj")


def test_isbn_10_and_13_both_find_a_book(backend, contract_catalogue):
    for text in (XIYOUJI_ISBN10, isbn13(XIYOUJI_ISBN10), "7-02-000220-7", f"isbn:{XIYOUJI_ISBN10}"):
        assert found(backend, text) == ids(contract_catalogue, "xiyouji"), text
    assert found(backend, f"isbn:{isbn13(JOURNEY_ISBN10)}") == ids(contract_catalogue, "journey")
    assert found(backend, "isbn:9780000000002") == set()


def test_issn_finds_a_serial(backend, contract_catalogue):
    assert found(backend, "issn:10029931") == ids(contract_catalogue, "youth")
    assert found(backend, "1002-9931") == ids(contract_catalogue, "youth")


def test_a_clc_prefix_finds_narrower_classes(backend, contract_catalogue):
    i24 = ids(contract_catalogue, "xiyouji", "hongloumeng", "sanguo", "journey")
    assert found(backend, "clc:I24") == i24
    assert found(backend, "clc:I242.4") == i24 - set()  # I242.47 is narrower than I242.4
    assert found(backend, "clc:TP3") == ids(contract_catalogue, "data_structures")
    assert i24 <= found(backend, "I24")
    assert found(backend, "clc:K9") == ids(contract_catalogue, "atlas")


def test_fielded_searches_only_look_in_their_field(backend, contract_catalogue):
    assert found(backend, "author:吴承恩") == ids(contract_catalogue, "xiyouji")
    assert found(backend, "著者:罗贯中") == ids(contract_catalogue, "sanguo", "sanguo_comic")
    assert found(backend, "title:红楼梦") == ids(contract_catalogue, "hongloumeng", "hlm_study")
    assert found(backend, "subject:章回小说") == ids(contract_catalogue, "xiyouji", "hongloumeng")
    assert found(backend, "publisher:清华") == ids(contract_catalogue, "data_structures")
    # 中国 is a subject of 西游记 but not in its title.
    assert contract_catalogue["xiyouji"].pk in found(backend, "中国")
    assert contract_catalogue["xiyouji"].pk not in found(backend, "title:中国")


def test_boolean_operators(backend, contract_catalogue):
    assert found(backend, "三国 NOT 连环画") == ids(contract_catalogue, "sanguo")
    assert found(backend, "三国 -连环画") == ids(contract_catalogue, "sanguo")
    assert found(backend, "title:三国演义 OR title:紅樓夢") == ids(
        contract_catalogue, "sanguo", "sanguo_comic", "hongloumeng", "hlm_study"
    )
    assert found(backend, "(红楼梦 OR 西游记) AND author:曹雪芹") == ids(contract_catalogue, "hongloumeng")
    assert found(backend, "harry AND rowling") == ids(contract_catalogue, "potter")
    assert found(backend, "harry AND tolkien") == set()


def test_phrases_need_adjacent_words(backend, contract_catalogue):
    assert found(backend, '"philosopher\'s stone"') == ids(contract_catalogue, "potter")
    assert found(backend, '"stone philosopher\'s"') == set()
    assert found(backend, '"历史地图"') == ids(contract_catalogue, "atlas")
    assert found(backend, '"地图历史"') == set()


def test_year_terms_and_ranges(backend, contract_catalogue):
    assert found(backend, "year:1982") == ids(contract_catalogue, "hongloumeng")
    assert found(backend, "红楼梦 year:2000-2010") == ids(contract_catalogue, "hlm_study")
    assert found(backend, "红楼梦", year_from=1980, year_to=1990) == ids(contract_catalogue, "hongloumeng")


def test_deleted_records_are_not_found(backend, contract_catalogue):
    assert contract_catalogue["withdrawn"].pk not in found(backend, "西游记")


def test_facets_count_the_matching_records(backend, contract_catalogue):
    result = run(backend, "西游记 OR 红楼梦 OR 三国")
    assert result.total == 6
    facets = {name: dict(values) for name, values in result.facets.items()}
    assert facets["library"] == {"alpha": 4, "beta": 3, "gamma": 2}
    assert facets["district"] == {"east": 4, "west": 4}
    assert facets["material_type"] == {"book": 6}
    assert facets["language"] == {"chi": 6}
    assert facets["year"] == {"1980": 1, "2010": 1, "1982": 1, "2005": 1, "1990": 1, "2015": 1}
    assert facets["clc_class"] == {"I": 5, "J": 1}
    assert facets["available"] == {"true": 4, "false": 2}
    # Values come most frequent first.
    assert result.facets["library"][0] == ("alpha", 4)


def test_facets_of_the_whole_catalogue(backend, contract_catalogue):
    result = run(backend)
    facets = {name: dict(values) for name, values in result.facets.items()}
    assert result.total == 12 + SERIES_SIZE
    assert facets["material_type"] == {"book": 10 + SERIES_SIZE, "map": 1, "serial": 1}
    assert facets["language"] == {"chi": 9 + SERIES_SIZE, "eng": 2, "fre": 1}
    assert set(facets["clc_class"]) == {"I", "J", "K", "O", "T"}


def test_facet_size_limits_values(backend, contract_catalogue):
    result = run(backend, facet_size=3)
    assert len(result.facets["year"]) == 3


def test_no_facets_when_not_asked(backend, contract_catalogue):
    result = run(backend, "西游记", facets=False)
    assert not any(result.facets.values())


def test_the_availability_filter_keeps_records_loanable_somewhere(backend, contract_catalogue):
    assert found(backend, "西游记 OR 红楼梦", filters={"available": ["true"]}) == ids(
        contract_catalogue, "xiyouji_stories", "hongloumeng"
    )
    assert contract_catalogue["youth"].pk not in found(backend, "中国青年", filters={"available": ["true"]})


def test_filters_are_or_within_a_facet_and_and_across(backend, contract_catalogue):
    assert found(backend, "西游记 OR 红楼梦", filters={"library": ["beta"]}) == ids(
        contract_catalogue, "xiyouji_stories", "hongloumeng"
    )
    assert found(backend, "西游记 OR 红楼梦", filters={"library": ["beta", "alpha"]}) == ids(
        contract_catalogue, "xiyouji", "xiyouji_stories", "hongloumeng", "hlm_study"
    )
    assert found(backend, "西游记 OR 红楼梦", filters={"library": ["alpha"], "district": ["west"]}) == ids(
        contract_catalogue, "xiyouji_stories"
    )
    assert found(backend, filters={"material_type": ["map", "serial"]}) == ids(contract_catalogue, "atlas", "youth")
    assert found(backend, filters={"language": ["fre"]}) == ids(contract_catalogue, "miserables")
    assert found(backend, filters={"clc_class": ["T"]}) == ids(contract_catalogue, "data_structures")
    assert found(backend, filters={"year": ["1982"]}) == ids(contract_catalogue, "hongloumeng")


def test_an_unknown_filter_is_a_user_error(backend, contract_catalogue):
    with pytest.raises(BadSearchParameter):
        run(backend, "西游记", filters={"colour": ["red"]})


def test_sort_by_year_and_title(backend, contract_catalogue):
    newest = run(backend, "物理学习题集", sort="year_desc", limit=3)
    assert newest.ids == [
        contract_catalogue[f"physics{i}"].pk for i in (SERIES_SIZE, SERIES_SIZE - 1, SERIES_SIZE - 2)
    ]
    oldest = run(backend, "物理学习题集", sort="year_asc", limit=2)
    assert oldest.ids == [contract_catalogue["physics1"].pk, contract_catalogue["physics2"].pk]
    by_title = run(backend, "harry OR journey OR miserables", sort="title")
    assert by_title.ids == [contract_catalogue[k].pk for k in ("potter", "journey", "miserables")]


def test_paging_walks_every_result_once(backend, contract_catalogue):
    seen = []
    for offset in range(0, SERIES_SIZE + 10, 10):
        page = run(backend, "物理学习题集", offset=offset, limit=10)
        assert page.total == SERIES_SIZE
        seen += page.ids
    assert len(seen) == SERIES_SIZE
    assert set(seen) == {contract_catalogue[f"physics{i}"].pk for i in range(1, SERIES_SIZE + 1)}


def test_paging_too_deep_is_a_user_error(backend, contract_catalogue):
    with pytest.raises(BadSearchParameter):
        run(backend, "物理", offset=100000)


def test_no_match_gives_an_empty_result(backend, contract_catalogue):
    result = run(backend, "量子色动力学")
    assert result.total == 0 and result.ids == []


def test_suggestions_complete_titles_by_characters_and_pinyin(backend, contract_catalogue):
    assert "西游记" in backend.suggest("西游")
    assert "西游记" in backend.suggest("xiyou")
    assert "紅樓夢" in backend.suggest("红楼")
    assert "Harry Potter and the Philosopher's Stone" in backend.suggest("harry p")
    assert backend.suggest("") == []


def test_index_replace_and_delete(backend, contract_catalogue):
    from search.documents import document_for

    record = contract_catalogue["potter"]
    record.title = "Harry Potter and the Chamber of Secrets"
    record.version += 1
    record.save()
    backend.index([document_for(record)])
    getattr(backend, "refresh", lambda: None)()
    assert found(backend, "chamber secrets") == {record.pk}
    assert found(backend, "philosopher") == set()
    assert backend.indexed_versions()[record.pk] == record.version
    assert backend.delete([record.pk]) == 1
    getattr(backend, "refresh", lambda: None)()
    assert found(backend, "harry") == set()
    assert record.pk not in backend.indexed_versions()


def test_status_reports_ok(backend, contract_catalogue):
    assert backend.status()["ok"] is True
