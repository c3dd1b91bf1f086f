"""Readable ids: a prefix per kind and a zero-padded number from a sequence of each library's own."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.catalogue.services.hrid import format_hrid, next_hrids


def test_it_formats_a_prefix_and_eight_digits():
    assert format_hrid("instance", 1) == "in00000001"
    assert format_hrid("holdings", 42) == "ho00000042"
    assert format_hrid("item", 123456789) == "it123456789"


def test_it_rejects_an_unknown_kind():
    with pytest.raises(KeyError):
        format_hrid("loan", 1)


def test_it_hands_out_consecutive_new_ids(library_a):
    with tenant_context(library_a):
        first = next_hrids("item", 3)
        second = next_hrids("item", 1)
    numbers = [int(h[2:]) for h in first + second]
    assert [h[:2] for h in first + second] == ["it"] * 4
    assert numbers == list(range(numbers[0], numbers[0] + 4))


def test_asking_for_none_takes_no_number(library_a):
    with tenant_context(library_a):
        before = next_hrids("holdings", 1)
        assert next_hrids("holdings", 0) == []
        after = next_hrids("holdings", 1)
    assert int(after[0][2:]) == int(before[0][2:]) + 1


def test_each_kind_and_each_library_counts_on_its_own(library_a, library_b):
    with tenant_context(library_a):
        a_instances = next_hrids("instance", 2)
        a_item = next_hrids("item", 1)
    with tenant_context(library_b):
        b_instance = next_hrids("instance", 1)
    assert a_instances == ["in00000001", "in00000002"]
    assert a_item == ["it00000001"]
    assert b_instance == ["in00000001"]
