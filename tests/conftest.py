"""Shared fixtures: a migrated template schema, two member libraries and their staff.

Tests run against real PostgreSQL (DATABASE_URL, or the embedded server). Schemas are created
inside each test's transaction and vanish with its rollback; those left by tests that commit
are dropped before the next database test.
"""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tenants.models import Membership, Region, Role
from tests.browser import browser  # noqa: F401 - the headless Chromium fixture of the browser tests


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenants.services.provisioning import migrate_template_schema

    with django_db_blocker.unblock():
        migrate_template_schema()
    yield


def drop_orphan_schemas() -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'lib\\_%%' "
            "AND nspname NOT IN (SELECT schema_name FROM tenants_library)"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture(autouse=True)
def _public_schema_between_tests(request):
    """Start every database test in the public schema with no orphaned library schemas.

    A test that commits (``transactional_db``, ``live_server``) has its tables emptied only
    after all its fixtures are gone, which leaves the schemas of its libraries behind; they are
    dropped here, before the next database test opens its transaction.
    """
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    ):
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            drop_orphan_schemas()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _ill_private_root(settings, tmp_path_factory):
    """Scans sent in tests (document delivery) go to the test run's temporary folder, never var/."""
    settings.ILL_PRIVATE_ROOT = tmp_path_factory.getbasetemp() / "ill-private"


@pytest.fixture
def province(db):
    return Region.objects.create(code="demo_prov", name="示范省", name_en="Demo Province", level="province")


@pytest.fixture
def district_a(province):
    return Region.objects.create(code="east", name="东区", name_en="East District", level="district", parent=province)


@pytest.fixture
def district_b(province):
    return Region.objects.create(code="west", name="西区", name_en="West District", level="district", parent=province)


@pytest.fixture
def make_library(db):
    from tenants.services.provisioning import create_library

    def make(code, region=None, kind="middle", **fields):
        return create_library(code, name=fields.pop("name", code.upper()), kind=kind, region=region, **fields)

    return make


@pytest.fixture
def library_a(make_library, district_a):
    return make_library("alpha", region=district_a, kind="middle", student_count=1200)


@pytest.fixture
def library_b(make_library, district_b):
    return make_library("beta", region=district_b, kind="primary", student_count=600)


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, role=None, library=None, region=None, password="pw-12345678"):
        user = django_user_model.objects.create_user(username=username, password=password)
        if role:
            Membership.objects.create(user=user, role=role, library=library, region=region)
        return user

    return make


@pytest.fixture
def librarian_a(make_user, library_a):
    return make_user("lib_a", Role.LIBRARY_ADMIN, library=library_a)


@pytest.fixture
def librarian_b(make_user, library_b):
    return make_user("lib_b", Role.LIBRARY_ADMIN, library=library_b)


@pytest.fixture
def coordinator(make_user, province):
    return make_user("coord", Role.COORDINATOR, region=province)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    def login(user):
        api.force_authenticate(user=user)
        return api

    return login
