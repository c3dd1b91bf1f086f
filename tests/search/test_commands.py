"""``manage.py reindex`` and ``manage.py check_index``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from search.backends import get_backend
from search.contract import SearchQuery
from search.query import parse
from union.models import UnionHolding, UnionRecord


@pytest.fixture
def records(db, make_library, district_a):
    library = make_library("alpha", region=district_a)
    get_backend("postgres").clear()
    out = []
    for n, title in enumerate(["西游记", "红楼梦", "三国演义", "水浒传"], start=1):
        record = UnionRecord.objects.create(urid=f"C{n}", title=title)
        UnionHolding.objects.create(union_record=record, library=library, instance_id=n, items_total=1)
        out.append(record)
    return out


def check(**kwargs) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_index", stdout=out, stderr=err, **kwargs)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue()


def test_reindex_builds_the_index_and_check_index_agrees(records):
    code, output = check()
    assert code == 1 and "missing: 4" in output
    out, err = io.StringIO(), io.StringIO()
    call_command("reindex", "--backend", "postgres", stdout=out, stderr=err)
    assert "indexed 4 union records" in out.getvalue()
    assert "reindex" in err.getvalue()  # the progress bar
    assert get_backend("postgres").search(SearchQuery(query=parse("水浒"))).ids == [records[3].pk]
    assert check(backend="postgres") == (0, "records: 4  indexed: 4\nthe search index matches the database\n")


def test_check_index_reports_stale_and_extra_records(records):
    call_command("reindex", no_progress=True, stdout=io.StringIO())
    records[0].version += 1
    records[0].save()
    records[1].deleted = True
    records[1].save()
    code, output = check()
    assert code == 1
    assert f"stale: 1 ({records[0].pk})" in output
    assert f"extra: 1 ({records[1].pk})" in output
    call_command("reindex", no_progress=True, stdout=io.StringIO())
    assert check()[0] == 0
    assert get_backend("postgres").search(SearchQuery(query=parse("红楼梦"))).ids == []


def index_names() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'search_document'")
        return {name for (name,) in cursor.fetchall()}


def test_postgres_rebuild_swaps_in_a_fully_indexed_table_and_catches_up(records):
    from search.documents import iter_all_documents

    engine = get_backend("postgres")
    before = index_names()

    def batches():
        for docs in iter_all_documents(batch_size=2):
            yield docs
            # A change made while the rebuild runs (after its record was already read).
            first = UnionRecord.objects.get(pk=records[0].pk)
            if first.title == "西游记":
                first.title, first.version = "西游记（插图本）", first.version + 1
                first.save()

    assert engine.rebuild(batches()) == 4
    assert index_names() == before
    assert "search_document_pkey" in before and "search_doc_any_gin" in before
    assert engine.search(SearchQuery(query=parse("插图本"))).ids == [records[0].pk]
    assert check()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_reindex_can_prepare_documents_in_worker_processes(make_library, district_a):
    library = make_library("alpha", region=district_a)
    titles = [f"物理学习题集 第{n}册" for n in range(1, 8)]
    for n, title in enumerate(titles, start=1):
        record = UnionRecord.objects.create(urid=f"W{n}", title=title)
        UnionHolding.objects.create(union_record=record, library=library, instance_id=n)
    out = io.StringIO()
    call_command("reindex", "--workers", "2", "--batch-size", "2", "--no-progress", stdout=out)
    assert "indexed 7 union records" in out.getvalue()
    assert get_backend("postgres").search(SearchQuery(query=parse("物理学"))).total == 7
    assert check()[0] == 0
    get_backend("postgres").clear()
