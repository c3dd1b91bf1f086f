"""Fixtures of the union catalogue tests: member records made in a library's schema by the shared
builder (tests/builders.py), which writes the outbox row like every catalogue service.
"""

from __future__ import annotations

import pytest

from tenants.models import Role
from tests.builders import add_items, create_instance, set_item_status, update_instance
from union.services.sync import drain

# The helpers live in the shared builder; the union tests import them from here too.
__all__ = ["add_items", "create_instance", "set_item_status", "update_instance", "assert_union_clean"]


@pytest.fixture
def make_instance():
    return create_instance


@pytest.fixture
def synced():
    """Drain the outbox now (tests run inside one transaction, so on-commit tasks do not fire)."""
    return drain


@pytest.fixture
def cataloguer_a(make_user, library_a):
    return make_user("cat_a", Role.CATALOGUER, library=library_a)


@pytest.fixture
def cataloguer_b(make_user, library_b):
    return make_user("cat_b", Role.CATALOGUER, library=library_b)


@pytest.fixture
def student_a(make_user, library_a):
    return make_user("stu_a", Role.STUDENT, library=library_a)


@pytest.fixture
def college(make_library, district_a):
    return make_library("college", region=district_a, kind="college")


def assert_union_clean():
    from union.services.check import check_union

    report = check_union()
    assert report.clean, report.problems[:10]
