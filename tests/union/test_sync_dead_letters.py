"""A catalogue change that cannot be clustered fails alone: the other changes of its batch reach
the union catalogue, it is dead-lettered after five tries, and ``requeue_outbox catalogue``
brings it back once fixed.

What fails is real: the member's schema has gone (renamed away, as a botched restore would
leave it), so reading the changed instance raises.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from core import outbox
from tenants.models import CatalogueChange
from tests.union.conftest import assert_union_clean
from union.models import UnionHolding
from union.services.check import check_union

RED = {"title": "红楼梦", "authors": ["曹雪芹"], "publisher": "人民文学出版社", "year": 2008}


def rename_schema(old: str, new: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{old}" RENAME TO "{new}"')


@pytest.fixture
def broken_beta(library_a, library_b, make_instance):
    """Changes of alpha, beta and alpha again, in one batch, with beta's schema missing."""
    a1 = make_instance(library_a, isbns=["9787503717444"], **RED)
    b = make_instance(library_b, isbns=["9787020002207"], title="西游记", year=1980)
    a2 = make_instance(library_a, isbns=["9787020008735"], title="三国演义", year=1990)
    rename_schema(library_b.schema_name, "beta_away")
    return a1, b, a2


def held(library) -> set[int]:
    return set(UnionHolding.objects.filter(library=library).values_list("instance_id", flat=True))


def test_the_other_changes_of_its_batch_reach_the_union_catalogue(library_a, library_b, broken_beta, synced):
    a1, b, a2 = broken_beta
    assert synced() == 2
    assert held(library_a) == {a1.pk, a2.pk}
    assert held(library_b) == set()
    change = CatalogueChange.objects.get(library=library_b)
    assert change.processed_at is None and change.dead_at is None and change.attempts == 1
    assert "does not exist" in change.last_error
    assert connection.schema_name == "public"


def test_after_five_failures_it_is_dead_lettered_and_no_longer_retried(library_b, broken_beta, synced, capsys):
    for _ in range(outbox.MAX_ATTEMPTS):
        synced()
    change = CatalogueChange.objects.get(library=library_b)
    assert change.attempts == outbox.MAX_ATTEMPTS and change.dead_at is not None
    assert outbox.pending(CatalogueChange).count() == 0
    assert synced() == 0
    change.refresh_from_db()
    assert change.attempts == outbox.MAX_ATTEMPTS
    rename_schema("beta_away", library_b.schema_name)
    report = check_union()
    assert report.dead_changes == 1
    assert {"kind": "outbox_failed", "count": 1} in report.problems
    call_command("requeue_outbox", "catalogue", "--list")
    assert "does not exist" in capsys.readouterr().out


def test_requeued_after_the_fix_it_is_applied(library_b, broken_beta, synced, capsys):
    b = broken_beta[1]
    for _ in range(outbox.MAX_ATTEMPTS):
        synced()
    rename_schema("beta_away", library_b.schema_name)
    with translation.override("en"):
        call_command("requeue_outbox", "catalogue")
    assert "1 rows of the catalogue outbox requeued" in capsys.readouterr().out
    assert synced() == 1
    assert held(library_b) == {b.pk}
    assert CatalogueChange.objects.get(library=library_b).last_error == ""
    assert_union_clean()
