"""The one outbox drain: a row its consumer cannot apply fails alone, then is set aside until requeued.

The union outbox table (``UnionChange``) stands in for any outbox; the consumers here are plain
functions that write union records, so what a failed batch leaves behind is real data.
"""

from __future__ import annotations

import pytest
from django.db import connection

from core import outbox
from union.models import UnionChange, UnionRecord

pytestmark = pytest.mark.django_db


class Consumer:
    """Writes one union record per row; refuses the rows of ``bad`` (raising, as a real bug would)."""

    def __init__(self, bad=(), down=False):
        self.bad = set(bad)
        self.down = down
        self.calls: list[list[int]] = []

    def __call__(self, rows):
        self.calls.append([row.union_record_id for row in rows])
        if self.down:
            raise outbox.DestinationUnavailable("connection refused")
        for row in rows:
            UnionRecord.objects.create(urid=f"T{row.pk}", title=str(row.union_record_id))
        refused = [row.union_record_id for row in rows if row.union_record_id in self.bad]
        if refused:
            raise ValueError(f"cannot apply {refused}")


def rows(*union_record_ids) -> list[UnionChange]:
    return [UnionChange.objects.create(union_record_id=n) for n in union_record_ids]


def drain(consumer, **kwargs) -> outbox.Drained:
    return outbox.drain(UnionChange, consumer, **kwargs)


def applied() -> list[str]:
    return sorted(UnionRecord.objects.values_list("title", flat=True))


def test_a_bad_row_fails_alone_and_the_rest_of_its_batch_is_applied():
    good_1, bad, good_2 = rows(1, 2, 3)
    result = drain(Consumer(bad={2}))
    assert (result.processed, result.failed, result.dead) == (2, 1, 0)
    # The failed batch's own writes were rolled back: each good row was applied exactly once.
    assert applied() == ["1", "3"]
    assert set(UnionChange.objects.filter(processed_at__isnull=False).values_list("pk", flat=True)) == {
        good_1.pk, good_2.pk}
    bad.refresh_from_db()
    assert bad.processed_at is None and bad.dead_at is None
    assert bad.attempts == 1 and bad.last_error == "ValueError: cannot apply [2]"
    assert list(outbox.pending(UnionChange)) == [bad]


def test_a_failed_row_waits_for_the_next_drain_instead_of_being_retried_at_once():
    rows(1, 2, 3, 4, 5)
    consumer = Consumer(bad={1})
    result = drain(consumer, batch_size=2)
    assert (result.processed, result.failed, result.batches) == (4, 1, 3)
    assert [ids for ids in consumer.calls if ids == [1]] == [[1]]
    assert UnionChange.objects.get(union_record_id=1).attempts == 1


def test_after_the_cap_a_row_is_dead_lettered_and_never_handed_over_again():
    (bad,) = rows(7)
    consumer = Consumer(bad={7})
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        result = drain(consumer)
        assert result.failed == 1 and result.dead == (1 if attempt == outbox.MAX_ATTEMPTS else 0)
    bad.refresh_from_db()
    assert bad.attempts == outbox.MAX_ATTEMPTS and bad.dead_at is not None and bad.processed_at is None
    calls = len(consumer.calls)
    rows(8)
    assert drain(consumer).processed == 1
    assert consumer.calls[calls:] == [[8]]
    assert outbox.dead_count(UnionChange) == 1 and list(outbox.dead(UnionChange)) == [bad]
    assert not outbox.pending(UnionChange).exists()


def test_requeue_brings_dead_rows_back_with_fresh_attempts():
    dead_row, other_dead, live = rows(7, 9, 8)
    UnionChange.objects.filter(pk__in=[dead_row.pk, other_dead.pk]).update(
        attempts=outbox.MAX_ATTEMPTS, last_error="ValueError: no", dead_at="2024-01-01T00:00:00Z")
    assert outbox.requeue(UnionChange, [dead_row.pk, live.pk]) == 1
    dead_row.refresh_from_db()
    assert dead_row.dead_at is None and dead_row.attempts == 0 and dead_row.last_error == "ValueError: no"
    assert drain(Consumer()).processed == 2
    dead_row.refresh_from_db()
    assert dead_row.processed_at is not None and dead_row.last_error == ""
    assert list(outbox.dead(UnionChange)) == [other_dead]
    assert outbox.requeue(UnionChange) == 1
    assert outbox.dead_count(UnionChange) == 0


def test_while_the_destination_is_down_rows_wait_and_are_never_dead_lettered():
    rows(1, 2, 3)
    consumer = Consumer(down=True)
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        result = drain(consumer, batch_size=2)
        # It stops at the first batch and does not try a dead server row by row.
        assert (result.processed, result.failed, result.batches, result.unavailable) == (0, 2, 1, True)
    assert all(len(call) == 2 for call in consumer.calls)
    waiting = UnionChange.objects.order_by("id")
    assert [c.attempts for c in waiting] == [outbox.MAX_ATTEMPTS + 2] * 2 + [0]
    assert all(c.dead_at is None and c.last_error == "DestinationUnavailable: connection refused"
               for c in waiting[:2])
    consumer.down = False
    assert drain(consumer).processed == 3
    assert outbox.dead_count(UnionChange) == 0


@pytest.mark.parametrize("table", ["union_unionchange", "tenants_cataloguechange"])
def test_the_partial_indexes_hold_exactly_the_pending_and_the_dead_rows(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        definitions = dict(cursor.fetchall())
    pending = next(d for name, d in definitions.items() if name.endswith("_pending"))
    dead = next(d for name, d in definitions.items() if name.endswith("_dead"))
    assert "(dead_at IS NULL)" in pending and "(processed_at IS NULL)" in pending
    assert "(dead_at IS NOT NULL)" in dead and "(processed_at IS NULL)" in dead


def test_held_wakes_its_consumers_once_after_the_block():
    woken = []
    outbox.register_consumer("held-test", lambda: woken.append(1))
    try:
        with outbox.held("held-test"):
            for _ in range(5):
                outbox._wake("held-test")
            with outbox.held("held-test"):
                outbox._wake("held-test")
            assert woken == []
        assert woken == [1]
        with outbox.held("held-test"):
            pass
        assert woken == [1], "no wake asked for, none given"
        outbox._wake("held-test")
        assert woken == [1, 1]
    finally:
        outbox.unregister_consumers("held-test")
