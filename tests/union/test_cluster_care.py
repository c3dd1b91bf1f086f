"""Rebuild keeps union record ids and the coordinators' split, merge and pin decisions."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from core.exceptions import Conflict
from tenants.models import CatalogueChange
from tests.union.conftest import assert_union_clean, update_instance
from union.models import MatchReview, UnionHolding, UnionRecord
from union.services import clusters
from union.services.rebuild import rebuild

RED = {"title": "红楼梦", "authors": ["曹雪芹"], "publisher": "人民文学出版社", "year": 2008}


def live():
    return UnionRecord.objects.filter(deleted=False)


def record_of(library, instance):
    return UnionHolding.objects.get(library=library, instance_id=instance.pk).union_record


@pytest.fixture
def three(library_a, library_b, college, make_instance, synced):
    a = make_instance(library_a, isbns=["9787503717444"], **RED)
    b = make_instance(library_b, isbns=["9787503717444"], **RED)
    c = make_instance(college, isbns=["9787503717444"], clc=["I242.4"], **RED)
    other = make_instance(library_a, title="三国演义", authors=["罗贯中"], publisher="中华书局", year=2005)
    synced()
    return a, b, c, other


def test_rebuild_keeps_union_record_ids_and_changes_nothing_when_current(three, library_a):
    a, b, c, other = three
    before = dict(live().values_list("urid", "version"))
    stats = rebuild()
    assert (stats.records, stats.clusters, stats.new_ids, stats.changed) == (4, 2, 0, 0)
    assert dict(live().values_list("urid", "version")) == before
    assert_union_clean()


def test_rebuild_recovers_from_a_lost_union_catalogue(three, library_a, library_b):
    a, b, c, other = three
    urid = record_of(library_a, a).urid
    UnionHolding.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("check_union", "--quiet")
    call_command("rebuild_union", "--quiet")
    assert record_of(library_a, a).urid == urid  # found again through its master record
    call_command("check_union", "--quiet")


def test_the_master_is_the_college_copy_and_a_coordinator_can_pin_another(three, library_a, college, coordinator):
    a, b, c, other = three
    union_record = record_of(college, c)
    assert (union_record.master_library_id, union_record.master_instance_id) == (college.pk, c.pk)
    clusters.pin_master(union_record, (library_a.pk, a.pk), user=coordinator)
    union_record.refresh_from_db()
    assert union_record.master_pinned and union_record.master_instance_id == a.pk
    assert union_record.clc == []  # the pinned master's fields
    assert_union_clean()
    rebuild()
    union_record.refresh_from_db()
    assert union_record.master_pinned and (union_record.master_library_id, union_record.master_instance_id) == (
        library_a.pk, a.pk)
    assert_union_clean()


def test_a_national_bibliography_copy_outranks_a_college_copy(library_a, college, make_instance, synced):
    make_instance(college, isbns=["9787503717444"], clc=["I242.4"], summary="x", **RED)
    nlc = make_instance(library_a, isbns=["9787503717444"], control_numbers=[{"type": "nbn", "value": "2008012345"}],
                        **RED)
    synced()
    assert live().get().master_instance_id == nlc.pk


def test_a_split_survives_rebuild_and_later_edits(three, library_a, library_b, college, coordinator, synced):
    a, b, c, other = three
    union_record = record_of(library_a, a)
    new = clusters.split(union_record, [(library_b.pk, b.pk)], user=coordinator)
    assert record_of(library_b, b) == new
    assert_union_clean()
    update_instance(library_b, b, summary="改过")
    synced()
    assert record_of(library_b, b) == new
    rebuild()
    assert record_of(library_b, b).urid == new.urid
    assert record_of(library_a, a).urid == union_record.urid
    assert_union_clean()


def test_a_merge_survives_rebuild(three, library_a, coordinator):
    a, b, c, other = three
    target, extra = record_of(library_a, a), record_of(library_a, other)
    clusters.merge(target, extra, user=coordinator)
    extra.refresh_from_db()
    assert extra.deleted and record_of(library_a, other) == target
    why = UnionHolding.objects.get(library=library_a, instance_id=other.pk).matched_on
    assert why["keys"] == ["coordinator_merge"]
    rebuild()
    assert record_of(library_a, other).urid == target.urid
    assert live().count() == 1
    assert_union_clean()


def test_an_isbn_marked_wrong_splits_what_it_joined(library_a, library_b, make_instance, synced, coordinator):
    a = make_instance(library_a, isbns=["9787503717444"], **RED)
    b = make_instance(library_b, isbns=["9787503717444"], title="红楼梦诗词鉴赏", authors=["曹雪芹"],
                      publisher="人民文学出版社", year=2008)
    synced()
    assert record_of(library_a, a) == record_of(library_b, b)
    clusters.mark_wrong_key("isbn:9787503717444", user=coordinator)
    assert record_of(library_a, a) != record_of(library_b, b)
    assert_union_clean()
    rebuild()
    assert record_of(library_a, a) != record_of(library_b, b)
    assert_union_clean()


def test_uncertain_matches_wait_in_the_review_queue(library_a, library_b, make_instance, synced, coordinator):
    a = make_instance(library_a, title="红楼梦 (校注本)", authors=["曹雪芹"], publisher="人民文学出版社", year=2008)
    b = make_instance(library_b, title="红楼梦", authors=["曹雪芹"], publisher="", year=2008)
    synced()
    review = MatchReview.objects.get(status="open")
    assert {(review.library_id, review.instance_id), (review.candidate_library_id, review.candidate_instance_id)} == {
        (library_a.pk, a.pk), (library_b.pk, b.pk)}
    clusters.resolve_review(review, "merge", user=coordinator)
    assert record_of(library_a, a) == record_of(library_b, b)
    rebuild()
    assert record_of(library_a, a) == record_of(library_b, b)
    assert_union_clean()


def test_withdrawn_records_leave_and_rebuild_retires_empty_union_records(three, library_a):
    a, b, c, other = three
    with tenant_context(library_a):
        from tenants.catalogue.models import Instance

        Instance.objects.filter(pk=other.pk).update(deleted=True)  # no outbox row: drift
    with pytest.raises(CommandError):
        call_command("check_union", "--quiet")
    stats = rebuild()
    assert stats.retired == 1
    assert not CatalogueChange.objects.filter(processed_at__isnull=True).exists()
    call_command("check_union", "--quiet")


def test_keeping_a_review_apart_is_remembered(library_a, library_b, make_instance, synced, coordinator):
    a = make_instance(library_a, title="红楼梦 (校注本)", authors=["曹雪芹"], publisher="人民文学出版社", year=2008)
    b = make_instance(library_b, title="红楼梦", authors=["曹雪芹"], publisher="", year=2008)
    synced()
    review = MatchReview.objects.get(status="open")
    clusters.resolve_review(review, "apart", user=coordinator)
    with pytest.raises(Conflict):  # a resolved review cannot be resolved again
        clusters.resolve_review(review, "merge", user=coordinator)
    rebuild()
    assert record_of(library_a, a) != record_of(library_b, b)
    assert not MatchReview.objects.filter(status="open").exists()
    assert_union_clean()
