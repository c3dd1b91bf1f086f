"""A union record the search index refuses fails alone: the rest of its batch is indexed, it is
dead-lettered after five tries, and ``requeue_outbox union`` brings it back once fixed.

The index now takes any record the catalogue takes (see test_index_takes_any_record), so the
refusal is made here: a check constraint on the search table, standing in for any limit a
future index might have, refuses titles holding the word "poison".
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from core import outbox
from search.contract import SearchQuery
from search.query import parse
from search.services import drain_union_outbox
from union.models import UnionChange, UnionHolding, UnionRecord


def make_record(library, n: int, title: str, **fields) -> UnionRecord:
    record = UnionRecord.objects.create(urid=f"U{n:06d}", title=title, year=2000 + n, **fields)
    UnionHolding.objects.create(union_record=record, library=library, instance_id=n, items_total=1, items_loanable=1)
    UnionChange.objects.create(union_record_id=record.pk)
    return record


def hits(engine, text) -> set[int]:
    return set(engine.search(SearchQuery(query=parse(text), limit=100)).ids)


@pytest.fixture
def batch(library, pg):
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE public.search_document ADD CONSTRAINT refuses_poison "
                       "CHECK (title NOT LIKE '%%poison%%')")
    before = make_record(library, 1, "西游记")
    refused = make_record(library, 2, "中国图书馆学报 poison", material_type="serial")
    after = make_record(library, 3, "红楼梦")
    return before, refused, after


def test_the_other_records_of_its_batch_are_indexed(pg, batch):
    before, refused, after = batch
    assert drain_union_outbox() == {"processed": 2, "failed": 1, "pending": 1}
    assert hits(pg, "西游记") == {before.pk}
    assert hits(pg, "红楼梦") == {after.pk}
    assert refused.pk not in pg.indexed_versions()
    change = UnionChange.objects.get(union_record_id=refused.pk)
    assert change.processed_at is None and change.attempts == 1
    assert "IntegrityError" in change.last_error


def test_after_five_failures_it_is_dead_lettered_and_no_longer_retried(pg, batch, capsys):
    refused = batch[1]
    for _ in range(outbox.MAX_ATTEMPTS):
        drain_union_outbox()
    change = UnionChange.objects.get(union_record_id=refused.pk)
    assert change.attempts == outbox.MAX_ATTEMPTS and change.dead_at is not None
    assert drain_union_outbox() == {"processed": 0, "failed": 0, "pending": 0}
    change.refresh_from_db()
    assert change.attempts == outbox.MAX_ATTEMPTS
    with translation.override("en"), pytest.raises(SystemExit):
        call_command("check_index", backend="postgres")
    assert "dead-lettered union changes: 1" in capsys.readouterr().out


def test_requeued_after_the_fix_it_is_indexed(pg, batch, capsys):
    refused = batch[1]
    for _ in range(outbox.MAX_ATTEMPTS):
        drain_union_outbox()
    refused.title = "中国图书馆学报"
    refused.save()
    with translation.override("en"):
        call_command("requeue_outbox", "union")
    assert "1 rows of the union outbox requeued" in capsys.readouterr().out
    assert drain_union_outbox() == {"processed": 1, "failed": 0, "pending": 0}
    assert hits(pg, "中国图书馆学报") == {refused.pk}
    assert UnionChange.objects.get(union_record_id=refused.pk).last_error == ""
    call_command("check_index", backend="postgres")
    assert "dead-lettered" not in capsys.readouterr().out
