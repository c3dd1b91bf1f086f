"""A small union catalogue for search tests, catalogued in three libraries and clustered by the union sync."""

from __future__ import annotations

from core.isbn import search_forms
from tests.builders import build_union_catalogue
from union.models import UnionRecord


def isbn13(isbn10: str) -> str:
    return next(f for f in search_forms(isbn10) if len(f) == 13)


# Real ISBN-10s of the editions (the check digits are computed, so any 9 digits would do).
JOURNEY_ISBN10 = "0226971325"
XIYOUJI_ISBN10 = "7020002207"

BOOKS = [
    # key, fields, holdings: {library key: (items_total, items_available, items_loanable)}
    (
        "xiyouji",
        dict(
            title="西游记",
            authors=[{"name": "吴承恩", "role": "著"}],
            publisher="人民文学出版社",
            year=1980,
            clc=["I242.4"],
            isbns=[isbn13(XIYOUJI_ISBN10)],
            languages=["chi"],
            subjects=["章回小说", "中国"],
        ),
        {"a": (2, 0, 0)},
    ),
    (
        "xiyouji_stories",
        dict(
            title="西游记故事",
            authors=[{"name": "少儿编辑部"}],
            publisher="少年儿童出版社",
            year=2010,
            clc=["I287.5"],
            languages=["chi"],
            subjects=["儿童故事"],
        ),
        {"a": (3, 3, 3), "b": (1, 1, 1), "c": (2, 2, 2)},
    ),
    (
        "hongloumeng",
        dict(
            title="紅樓夢",
            authors=[{"name": "曹雪芹"}],
            publisher="人民文学出版社",
            year=1982,
            clc=["I242.47"],
            languages=["chi"],
            subjects=["章回小说"],
        ),
        {"b": (1, 1, 1)},
    ),
    (
        "hlm_study",
        dict(
            title="红楼梦研究",
            authors=[{"name": "俞平伯"}],
            publisher="上海古籍出版社",
            year=2005,
            clc=["I207.411"],
            languages=["chi"],
            subjects=["红楼梦研究"],
        ),
        {"a": (1, 1, 0)},  # on the shelf but reference only
    ),
    (
        "sanguo",
        dict(
            title="三国演义",
            authors=[{"name": "罗贯中"}],
            year=1990,
            clc=["I242.4"],
            languages=["chi"],
        ),
        {"a": (1, 1, 1), "b": (1, 0, 0)},
    ),
    (
        "sanguo_comic",
        dict(
            title="三国演义连环画",
            authors=[{"name": "罗贯中"}],
            year=2015,
            clc=["J228.4"],
            languages=["chi"],
        ),
        {"c": (1, 1, 1)},
    ),
    (
        "journey",
        dict(
            title="Journey to the West",
            authors=[{"name": "Wu Cheng'en"}, {"name": "Anthony C. Yu"}],
            publisher="University of Chicago Press",
            year=2001,
            clc=["I242.4"],
            isbns=[isbn13(JOURNEY_ISBN10)],
            languages=["eng"],
            subjects=["Chinese fiction"],
        ),
        {"b": (1, 1, 1)},
    ),
    (
        "potter",
        dict(
            title="Harry Potter and the Philosopher's Stone",
            authors=[{"name": "J. K. Rowling"}],
            publisher="Bloomsbury",
            year=1997,
            clc=["I561.84"],
            languages=["eng"],
        ),
        {"a": (2, 2, 2)},
    ),
    (
        "miserables",
        dict(
            title="Les Misérables",
            authors=[{"name": "Victor Hugo"}],
            publisher="Gallimard",
            year=1985,
            clc=["I565.44"],
            languages=["fre"],
        ),
        {"c": (1, 1, 1)},
    ),
    (
        "data_structures",
        dict(
            title="数据结构",
            authors=[{"name": "严蔚敏"}],
            publisher="清华大学出版社",
            year=2011,
            clc=["TP311.12"],
            languages=["chi"],
            subjects=["数据结构", "高等学校教材"],
        ),
        {"a": (5, 2, 2)},
    ),
    (
        "atlas",
        dict(
            title="中国历史地图集",
            authors=[{"name": "谭其骧"}],
            publisher="中国地图出版社",
            year=1996,
            clc=["K992.6"],
            languages=["chi"],
            material_type="map",
        ),
        {"b": (1, 0, 0)},
    ),
    (
        "youth",
        dict(
            title="中国青年",
            publisher="中国青年杂志社",
            year=1999,
            issns=["1002-9931"],
            languages=["chi"],
            material_type="serial",
        ),
        {"c": (12, 10, 0)},
    ),
    (
        "withdrawn",
        dict(title="西游记补", year=1970, clc=["I242.4"], languages=["chi"], deleted=True),
        {},
    ),
]

SERIES_SIZE = 25  # "物理学习题集 第N册", for paging and sorting


def books() -> list[tuple[str, dict, dict]]:
    """The books in the builder's form, each holding with its call number; then the series."""
    out = []
    for n, (key, fields, holdings) in enumerate(BOOKS, start=1):
        call_number = f"{fields.get('clc', ['Z'])[0]}/{n}"
        out.append((key, fields, {lib: (*counts, call_number) for lib, counts in holdings.items()}))
    for i in range(1, SERIES_SIZE + 1):
        fields = dict(title=f"物理学习题集 第{i}册", year=1990 + i, clc=["O4-44"], languages=["chi"])
        out.append((f"physics{i}", fields, {"a": (1, 1, 1)}))
    return out


def build_catalogue(libraries: dict) -> dict[str, UnionRecord]:
    """Catalogue the books in ``libraries`` ("a", "b", "c" -> Library) and sync; returns key -> record."""
    return build_union_catalogue(books(), libraries)
