"""A small union catalogue for search tests, built directly as UnionRecord/UnionHolding rows."""

from __future__ import annotations

from search.analysis import isbn_forms
from union.models import UnionHolding, UnionRecord


def isbn13(isbn10: str) -> str:
    return next(f for f in isbn_forms(isbn10) if len(f) == 13)


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


def build_catalogue(libraries: dict) -> dict[str, UnionRecord]:
    """Create the records; ``libraries`` maps "a", "b", "c" to Library rows. Returns key -> record."""
    records: dict[str, UnionRecord] = {}
    n = 0
    for key, fields, holdings in BOOKS:
        n += 1
        record = UnionRecord.objects.create(urid=f"T{n:06d}", **fields)
        for lib_key, (total, available, loanable) in holdings.items():
            UnionHolding.objects.create(
                union_record=record,
                library=libraries[lib_key],
                instance_id=n * 10,
                instance_hrid=f"in{n:06d}",
                call_number=f"{fields.get('clc', ['Z'])[0]}/{n}",
                items_total=total,
                items_available=available,
                items_loanable=loanable,
            )
        records[key] = record
    for i in range(1, SERIES_SIZE + 1):
        n += 1
        record = UnionRecord.objects.create(
            urid=f"T{n:06d}",
            title=f"物理学习题集 第{i}册",
            year=1990 + i,
            clc=["O4-44"],
            languages=["chi"],
        )
        UnionHolding.objects.create(
            union_record=record,
            library=libraries["a"],
            instance_id=n * 10,
            items_total=1,
            items_available=1,
            items_loanable=1,
        )
        records[f"physics{i}"] = record
    return records
