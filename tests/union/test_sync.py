"""Local catalogue changes reach the union catalogue through the outbox, once and only once."""

from __future__ import annotations

from django.db import connection

from tenants.models import CatalogueChange
from tests.union.conftest import add_items, assert_union_clean, set_item_status, update_instance
from union.models import UnionChange, UnionHolding, UnionRecord, UnionRecordVersion

RED = {"title": "红楼梦", "authors": ["曹雪芹"], "publisher": "人民文学出版社", "year": 2008}


def test_copies_of_one_edition_in_two_libraries_form_one_union_record(library_a, library_b, make_instance, synced):
    a = make_instance(library_a, isbns=["7-5037-1744-0"], items=2, call_number="I242.4/1", **RED)
    b = make_instance(library_b, isbns=["9787503717444"], **dict(RED, title="紅樓夢"))
    assert synced() == 2
    records = UnionRecord.objects.filter(deleted=False)
    assert records.count() == 1
    union_record = records.get()
    assert union_record.isbns == ["9787503717444"]
    assert "isbn:9787503717444" in union_record.match_keys
    assert set(union_record.holdings.values_list("library_id", "instance_id")) == {
        (library_a.pk, a.pk), (library_b.pk, b.pk)}
    holding_a = union_record.holdings.get(library=library_a)
    assert (holding_a.items_total, holding_a.items_available, holding_a.call_number) == (2, 2, "I242.4/1")
    joined = union_record.holdings.get(library=library_b).matched_on
    assert joined["keys"] == ["isbn:9787503717444"] and joined["with"] == [library_a.pk, a.pk]
    assert union_record.urid.startswith("u")
    assert bytes(union_record.marc).endswith(b"\x1d")
    assert_union_clean()


def test_different_volumes_stay_apart(library_a, library_b, make_instance, synced):
    make_instance(library_a, isbns=["9787503717444"], volume="第一卷", **RED)
    make_instance(library_b, isbns=["9787503717444"], volume="第2卷", **RED)
    synced()
    assert UnionRecord.objects.filter(deleted=False).count() == 2
    assert_union_clean()


def test_draining_twice_changes_nothing(library_a, make_instance, synced):
    instance = make_instance(library_a, isbns=["9787503717444"], **RED)
    synced()
    state = list(UnionRecord.objects.values("id", "version", "title"))
    changes = UnionChange.objects.count()
    # The same change again (a redelivered task, a replayed outbox row).
    CatalogueChange.objects.create(library=library_a, instance_id=instance.pk, op="upsert")
    CatalogueChange.objects.create(library=library_a, instance_id=instance.pk, op="holdings")
    assert synced() == 2
    assert synced() == 0
    assert list(UnionRecord.objects.values("id", "version", "title")) == state
    assert UnionChange.objects.count() == changes
    assert_union_clean()


def test_edits_item_availability_and_withdrawal_reach_the_union_record(library_a, library_b, make_instance, synced):
    a = make_instance(library_a, isbns=["9787503717444"], **RED)
    b = make_instance(library_b, isbns=["9787503717444"], **RED)
    synced()
    union_record = UnionRecord.objects.get(deleted=False)
    items = add_items(library_b, b, 2, call_number="I242/2")
    synced()
    holding = UnionHolding.objects.get(library=library_b, instance_id=b.pk)
    assert (holding.items_total, holding.items_loanable) == (2, 2)
    set_item_status(library_b, items[0], "checked_out")
    synced()
    holding.refresh_from_db()
    assert (holding.items_available, holding.items_loanable) == (1, 1)

    update_instance(library_a, a, summary="新的提要")
    update_instance(library_b, b, summary="新的提要")
    synced()
    union_record.refresh_from_db()
    assert union_record.summary == "新的提要"
    version = union_record.version
    assert UnionRecordVersion.objects.filter(union_record=union_record, changes__has_key="summary").exists()

    update_instance(library_a, a, deleted=True)
    synced()
    union_record.refresh_from_db()
    assert union_record.version > version
    assert list(union_record.holdings.values_list("library_id", flat=True)) == [library_b.pk]
    update_instance(library_b, b, deleted=True)
    synced()
    union_record.refresh_from_db()
    assert union_record.deleted
    assert_union_clean()


def test_a_record_whose_edit_breaks_the_match_moves_to_its_own_union_record(library_a, library_b, make_instance, synced):
    make_instance(library_a, isbns=["9787503717444"], **RED)
    b = make_instance(library_b, isbns=["9787503717444"], **RED)
    synced()
    update_instance(library_b, b, volume="第2卷")
    synced()
    assert UnionRecord.objects.filter(deleted=False).count() == 2
    assert_union_clean()


def test_every_change_is_written_for_the_search_indexer(library_a, make_instance, synced):
    make_instance(library_a, isbns=["9787503717444"], **RED)
    synced()
    union_record = UnionRecord.objects.get()
    assert UnionChange.objects.filter(union_record_id=union_record.pk, processed_at__isnull=True).exists()
    assert connection.schema_name == "public"


def test_an_eager_drain_on_commit_leaves_the_callers_schema_alone(library_a):
    from django_tenants.utils import tenant_context

    from union.tasks import drain_catalogue_outbox

    with tenant_context(library_a):
        drain_catalogue_outbox()
        assert connection.schema_name == library_a.schema_name


def test_when_the_record_linking_two_others_leaves_they_part(make_library, make_instance, synced):
    """B matched A (same title, author, publisher and year) and C (same ISBN), but A and C do not
    match each other: once B is withdrawn, or edited so that it matches neither, A and C part."""
    one, two, three = make_library("brg_a"), make_library("brg_b"), make_library("brg_c")
    a = make_instance(one, **RED)
    synced()
    b = make_instance(two, isbns=["9787020002207"], **RED)
    synced()
    c = make_instance(three, isbns=["9787020002207"], **dict(RED, title="红楼梦 校注本"))
    synced()
    assert UnionRecord.objects.filter(deleted=False).count() == 1
    update_instance(two, b, deleted=True)
    synced()
    live = UnionRecord.objects.filter(deleted=False)
    assert live.count() == 2
    assert sorted(sorted(h.instance_id for h in r.holdings.all()) for r in live) == [[a.pk], [c.pk]]
    assert_union_clean()
    # Back again, B joins them up once more; edited away, it leaves them apart again.
    update_instance(two, b, deleted=False)
    synced()
    assert UnionRecord.objects.filter(deleted=False).count() == 2  # B joins one side; clusters never merge by themselves
    update_instance(two, b, title="三国演义", isbns=[])
    synced()
    assert UnionRecord.objects.filter(deleted=False).count() == 3
    assert_union_clean()
