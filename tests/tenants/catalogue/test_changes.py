"""``record_changes``: a catalogue change becomes an outbox row in the public schema, in the
caller's transaction, and the outbox's consumers are woken only after that transaction commits."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from core import outbox
from tenants.catalogue.services.changes import CATALOGUE_OUTBOX, record_change, record_changes
from tenants.models import CatalogueChange


def rows():
    connection.set_schema_to_public()
    return sorted(CatalogueChange.objects.values_list("library__code", "instance_id", "op", "processed_at"))


def test_it_writes_one_pending_row_per_instance_for_the_current_library(library_a):
    with tenant_context(library_a):
        assert record_changes([7, 8, 9], "upsert") == 3
        record_change(10, "holdings")
    assert rows() == [("alpha", 7, "upsert", None), ("alpha", 8, "upsert", None), ("alpha", 9, "upsert", None),
                      ("alpha", 10, "holdings", None)]


def test_a_library_given_by_the_caller_wins_over_the_schema(library_a, library_b):
    with tenant_context(library_a):
        record_changes([1], "delete", library=library_b)
    assert rows() == [("beta", 1, "delete", None)]


def test_the_row_is_rolled_back_with_the_change(library_a):
    with tenant_context(library_a):
        with pytest.raises(RuntimeError, match="the change failed"), transaction.atomic():
            record_changes([1], "upsert")
            raise RuntimeError("the change failed")
    assert rows() == []


def test_it_rejects_an_unknown_operation(library_a):
    with tenant_context(library_a), pytest.raises(ValueError, match="renumber"):
        record_changes([1], "renumber")
    assert rows() == []


def test_it_refuses_to_record_outside_a_member_schema(db):
    connection.set_schema_to_public()
    with pytest.raises(RuntimeError, match="member library"):
        record_changes([1], "upsert")
    assert rows() == []


def test_no_instances_write_nothing_and_wake_no_one(library_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, tenant_context(library_a):
        assert record_changes([], "upsert") == 0
    assert rows() == []
    assert callbacks == []


def test_the_consumers_are_woken_after_commit_only(library_a, django_capture_on_commit_callbacks, monkeypatch):
    woken = []
    monkeypatch.setitem(outbox._consumers, CATALOGUE_OUTBOX, [lambda: woken.append("catalogue")])
    with django_capture_on_commit_callbacks(execute=False) as callbacks, tenant_context(library_a):
        record_changes([1, 2], "upsert")
    assert woken == []
    for callback in callbacks:
        callback()
    assert woken == ["catalogue"]
