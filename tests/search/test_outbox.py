"""The union outbox feeds the search index; nothing is lost while the backend is down."""

from __future__ import annotations

import pytest
from django.db import connection

from search.backends import get_backend
from search.contract import SearchQuery
from search.query import parse
from search.services import drain_union_outbox
from search.services.indexing import index_drift
from search.tasks import drain_union_outbox as drain_task
from union.models import UnionChange, UnionHolding, UnionRecord


def make_record(library, n: int, title: str) -> UnionRecord:
    record = UnionRecord.objects.create(urid=f"U{n:06d}", title=title, year=2000 + n)
    UnionHolding.objects.create(
        union_record=record, library=library, instance_id=n, items_total=1, items_loanable=1
    )
    UnionChange.objects.create(union_record_id=record.pk)
    return record


def hits(engine, text) -> set[int]:
    return set(engine.search(SearchQuery(query=parse(text), limit=100)).ids)


def test_draining_indexes_pending_changes_and_marks_them(pg, library):
    a = make_record(library, 1, "西游记")
    b = make_record(library, 2, "红楼梦")
    outcome = drain_union_outbox()
    assert outcome == {"processed": 2, "failed": 0, "pending": 0}
    assert hits(pg, "西游记") == {a.pk}
    assert hits(pg, "红楼梦") == {b.pk}
    assert not UnionChange.objects.filter(processed_at__isnull=True).exists()


def test_draining_twice_is_harmless(pg, library):
    a = make_record(library, 1, "西游记")
    drain_union_outbox()
    UnionChange.objects.create(union_record_id=a.pk)
    UnionChange.objects.create(union_record_id=a.pk)
    assert drain_union_outbox()["processed"] == 2
    assert hits(pg, "西游记") == {a.pk}
    assert pg.indexed_versions() == {a.pk: a.version}


def test_a_changed_record_is_reindexed_and_a_deleted_one_removed(pg, library):
    a = make_record(library, 1, "西游记")
    b = make_record(library, 2, "红楼梦")
    drain_union_outbox()
    a.title, a.version = "三国演义", a.version + 1
    a.save()
    b.deleted = True
    b.save()
    UnionChange.objects.create(union_record_id=a.pk)
    UnionChange.objects.create(union_record_id=b.pk)
    drain_union_outbox()
    assert hits(pg, "三国") == {a.pk}
    assert hits(pg, "西游记") == set()
    assert hits(pg, "红楼梦") == set()
    assert index_drift("postgres") == {"missing": [], "stale": [], "extra": [], "indexed": 1, "records": 1}


def test_the_celery_task_drains_the_outbox(pg, library):
    a = make_record(library, 1, "西游记")
    drain_task.apply()
    assert hits(pg, "西游记") == {a.pk}


def test_changes_wait_while_the_backend_is_down_and_nothing_is_lost(pg, library):
    first = make_record(library, 1, "西游记")
    drain_union_outbox()
    # The index table becomes unavailable (as a dead search server would be).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE search_document RENAME TO search_document_away")
    records = [make_record(library, n, f"物理学 第{n}册") for n in range(2, 7)]
    outcome = drain_union_outbox()
    assert outcome["processed"] == 0 and outcome["failed"] == 5 and outcome["pending"] == 5
    waiting = UnionChange.objects.filter(processed_at__isnull=True)
    assert waiting.count() == 5
    assert all(c.attempts == 1 and c.last_error for c in waiting)
    assert drain_union_outbox()["pending"] == 5  # still down: still waiting
    assert set(UnionChange.objects.filter(processed_at__isnull=True).values_list("attempts", flat=True)) == {
        2
    }
    # The backend comes back: the waiting changes are applied.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE search_document_away RENAME TO search_document")
    assert drain_union_outbox() == {"processed": 5, "failed": 0, "pending": 0}
    assert hits(pg, "物理学") == {r.pk for r in records}
    assert hits(pg, "西游记") == {first.pk}
    assert UnionChange.objects.get(union_record_id=records[0].pk).last_error == ""
    assert index_drift("postgres")["missing"] == []


@pytest.mark.django_db(transaction=True)
def test_rows_locked_by_another_worker_are_skipped(library):
    import psycopg
    from django.conf import settings

    get_backend("postgres").clear()
    a = make_record(library, 1, "西游记")
    b = make_record(library, 2, "红楼梦")
    db = settings.DATABASES["default"]
    other = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"]
    )
    try:
        # Another worker is busy with a's change: this drain takes b's and leaves a's alone.
        other.execute("SELECT id FROM union_unionchange WHERE union_record_id = %s FOR UPDATE", [a.pk])
        assert drain_union_outbox() == {"processed": 1, "failed": 0, "pending": 1}
        assert hits(get_backend("postgres"), "红楼梦") == {b.pk}
        assert hits(get_backend("postgres"), "西游记") == set()
        other.rollback()
        assert drain_union_outbox() == {"processed": 1, "failed": 0, "pending": 0}
        assert hits(get_backend("postgres"), "西游记") == {a.pk}
    finally:
        other.close()
        get_backend("postgres").clear()
