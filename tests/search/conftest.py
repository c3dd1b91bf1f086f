"""Union records with holdings in two libraries, for the SRU, OAI-PMH and OPAC tests, made through the
local catalogues and the union sync."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymarc import Field, Indicators, Record, Subfield

from tests.builders import build_union_catalogue
from union.models import UnionRecord

DATA = Path(__file__).parent / "data"


def marc21_bytes(
    title: str, author: str, year: int, isbn: str = "", publisher: str = "", subjects=()
) -> bytes:
    record = Record(leader="00000nam a2200000 a 4500", force_utf8=True)
    record.add_field(Field(tag="008", data=f"240101s{year}    cc            000 0 chi d"))
    if isbn:
        record.add_field(Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)]))
    record.add_field(Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", author)]))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", title)]))
    record.add_field(
        Field(
            tag="264",
            indicators=Indicators(" ", "1"),
            subfields=[Subfield("b", publisher), Subfield("c", str(year))],
        )
    )
    for subject in subjects:
        record.add_field(
            Field(tag="650", indicators=Indicators(" ", "7"), subfields=[Subfield("a", subject)])
        )
    return record.as_marc()


def cnmarc_records() -> list[bytes]:
    data = (DATA / "cnmarc_sample.utf8.iso").read_bytes()
    return [chunk + b"\x1d" for chunk in data.split(b"\x1d") if chunk.strip()]


BOOKS = [
    # urid, title, author, year, isbn13, publisher, clc, language, material, subjects
    (
        "U0001",
        "西游记",
        "吴承恩",
        1980,
        "9787020008735",
        "人民文学出版社",
        "I242.4",
        "chi",
        "book",
        ["古典小说"],
    ),
    (
        "U0002",
        "红楼梦",
        "曹雪芹",
        1982,
        "9787020002207",
        "人民文学出版社",
        "I242.47",
        "chi",
        "book",
        ["古典小说"],
    ),
    (
        "U0003",
        "三国演义",
        "罗贯中",
        1990,
        "9787020008728",
        "人民文学出版社",
        "I242.43",
        "chi",
        "book",
        ["历史小说"],
    ),
    (
        "U0004",
        "水浒传",
        "施耐庵",
        1975,
        "9787020015016",
        "人民文学出版社",
        "I242.42",
        "chi",
        "book",
        ["古典小说"],
    ),
    (
        "U0005",
        "Journey to the West",
        "Wu Cheng'en",
        2012,
        "9780226971322",
        "University of Chicago Press",
        "I242.4",
        "eng",
        "book",
        ["Chinese fiction"],
    ),
    (
        "U0006",
        "高等数学",
        "同济大学数学系",
        2014,
        "9787040396638",
        "高等教育出版社",
        "O13",
        "chi",
        "book",
        ["高等数学"],
    ),
    (
        "U0007",
        "线性代数",
        "同济大学数学系",
        2014,
        "9787040396614",
        "高等教育出版社",
        "O151.2",
        "chi",
        "book",
        ["线性代数"],
    ),
    (
        "U0008",
        "中国历史地图集",
        "谭其骧",
        1982,
        "9787503100000",
        "中国地图出版社",
        "K992.6",
        "chi",
        "map",
        ["历史地图"],
    ),
]


@pytest.fixture
def catalogue(library_a, library_b):
    """Eight MARC21 records and one CNMARC record, catalogued in alpha and/or beta and synced.

    The union records take readable urids (U0001 ... U0009) so the tests can name them.
    """
    books = []
    for n, (urid, title, author, year, isbn, publisher, clc, lang, material, subjects) in enumerate(BOOKS):
        fields = dict(
            title=title,
            authors=[{"name": author, "role": "author", "type": "personal"}],
            year=year,
            isbns=[isbn],
            publisher=publisher,
            clc=[clc],
            languages=[lang],
            material_type=material,
            subjects=subjects,
            record_format="marc21",
            raw_record=marc21_bytes(title, author, year, isbn, publisher, subjects),
        )
        holders = ["alpha"] if n % 3 == 0 else ["beta"] if n % 3 == 1 else ["alpha", "beta"]
        # Two copies each: at alpha one is on the shelf, at beta both are out.
        copies = {"alpha": (2, 1, 1), "beta": (2, 0, 0)}
        books.append((urid, fields, {code: (*copies[code], f"{clc}/{n + 1}") for code in holders}))
    cnmarc = dict(
        title="'94中国发展报告",
        authors=[{"name": "国家统计局", "role": "", "type": "corporate"}],
        year=1994,
        publisher="中国统计出版社",
        clc=["F124"],
        languages=["chi"],
        record_format="unimarc",
        raw_record=cnmarc_records()[0],
    )
    books.append(("U0009", cnmarc, {"beta": (1, 1, 0, "F124/1")}))  # on the shelf, reference only
    yield build_union_catalogue(books, {"alpha": library_a, "beta": library_b}, urids=True)


@pytest.fixture
def indexed(catalogue):
    """The catalogue, indexed by the configured search backend."""
    from search.backends import get_backend
    from search.documents import document_for

    backend = get_backend()
    backend.ensure_index()
    backend.clear()
    backend.index(
        [
            document_for(record)
            for record in UnionRecord.objects.filter(id__in=[r.id for r in catalogue.values()])
        ]
    )
    yield catalogue
    backend.clear()


@pytest.fixture
def pg(db):
    """The PostgreSQL search backend with an empty index, emptied again afterwards."""
    from search.backends import get_backend

    engine = get_backend("postgres")
    engine.ensure_index()
    engine.clear()
    yield engine
    engine.clear()


@pytest.fixture
def library(make_library, district_a):
    """One member library (alpha, in the east district), for tests of indexing on its own."""
    return make_library("alpha", region=district_a)
