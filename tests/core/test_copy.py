"""The COPY helpers against the real database: bulk inserts and updates through a temporary table."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from psycopg.types.json import Jsonb

from core.copy import copy_lines, copy_rows, update_lines, update_objects, update_rows
from union.models import UnionRecord

PROBE = "core_copy_probe"
COLUMNS = ["id", "title", "data", "raw", "kept"]


def _create_probe() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {PROBE} (id integer PRIMARY KEY, title text, data jsonb, raw bytea, kept text)"
        )


def _rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, title, data, raw, kept FROM {PROBE} ORDER BY id")
        # Django has psycopg hand jsonb back as text.
        return [(i, t, json.loads(d) if d is not None else None, bytes(r) if r is not None else None, k)
                for i, t, d, r, k in cursor.fetchall()]


@pytest.fixture
def probe(db):
    _create_probe()  # inside the test's transaction: gone with its rollback


def test_copy_lines_writes_prepared_text_format_lines(probe):
    copy_lines(PROBE, COLUMNS, [
        '1\t红楼梦\t{"isbn": "9787020002207"}\t\\\\x0102\tA\n',
        "2\ttab\\there\t\\N\t\\N\t\\N\n",
    ])
    assert _rows() == [
        (1, "红楼梦", {"isbn": "9787020002207"}, b"\x01\x02", "A"),
        (2, "tab\there", None, None, None),
    ]


def test_copy_lines_of_nothing_writes_nothing(probe):
    copy_lines(PROBE, COLUMNS, [])
    assert _rows() == []


def test_copy_rows_adapts_python_values(probe):
    copy_rows(PROBE, COLUMNS, ((i, f"t{i}", Jsonb([i]), bytes([i]), None) for i in (1, 2)))
    assert _rows() == [(1, "t1", [1], b"\x01", None), (2, "t2", [2], b"\x02", None)]


def test_update_lines_sets_named_rows_except_kept_columns(probe):
    copy_rows(PROBE, COLUMNS, [(1, "old", Jsonb({}), b"", "mine"), (2, "other", Jsonb({}), b"", "x")])
    updated = update_lines(PROBE, ["id", "title", "kept"], ["1\tnew\ttheirs\n"], keep=("kept",))
    assert updated == 1
    assert _rows() == [(1, "new", {}, b"", "mine"), (2, "other", {}, b"", "x")]


def test_update_lines_twice_on_one_table_in_one_transaction(probe):
    copy_rows(PROBE, COLUMNS, [(1, "a", None, None, None), (2, "b", None, None, None)])
    assert update_lines(PROBE, ["id", "title"], ["1\tfirst\n"]) == 1
    assert update_lines(PROBE, ["id", "title"], ["2\tsecond\n"]) == 1
    assert [r[1] for r in _rows()] == ["first", "second"]


def test_update_rows_of_nothing_touches_nothing(probe):
    assert update_rows(PROBE, ["id", "title"], []) == 0
    assert update_lines(PROBE, ["id", "title"], []) == 0


def test_update_rows_writes_python_values(probe):
    copy_rows(PROBE, COLUMNS, [(1, "a", Jsonb([]), b"", None)])
    assert update_rows(PROBE, ["id", "data", "raw"], [(1, Jsonb(["x"]), b"\xff")]) == 1
    assert _rows() == [(1, "a", ["x"], b"\xff", None)]


@pytest.mark.django_db
def test_update_objects_writes_json_and_binary_fields_of_many_instances():
    first = UnionRecord.objects.create(urid="C000001", title="旧", isbns=[])
    second = UnionRecord.objects.create(urid="C000002", title="不动")
    first.title, first.isbns, first.marc = "新", ["9787020002207"], memoryview(b"00042")
    assert update_objects(UnionRecord, [first], ["title", "isbns", "marc"]) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, first.isbns, bytes(first.marc)) == ("新", ["9787020002207"], b"00042")
    assert second.title == "不动"


@pytest.mark.django_db(transaction=True)
def test_an_update_outside_a_transaction_still_finds_its_temporary_table():
    # The temporary table is dropped on commit; in autocommit each statement would commit alone.
    assert connection.get_autocommit()
    _create_probe()
    try:
        copy_rows(PROBE, COLUMNS, [(1, "a", None, None, None)])
        assert update_lines(PROBE, ["id", "title"], ["1\tb\n"]) == 1
        assert _rows()[0][1] == "b"
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {PROBE}")
