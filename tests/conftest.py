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

# Member schemas for tests come from a pool of committed copies of the template: a test renames
# one to its library's schema inside its own transaction, and the rollback at its end gives the
# copy back, unchanged. A copy costs a third of a second; most tests make two or three libraries.
POOL_SIZE = 6
POOL_PREFIX = "pool_"


def _free_pool(cursor) -> list[str]:
    cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pool\\_%%' ORDER BY nspname")
    return [name for (name,) in cursor.fetchall()]


def fill_schema_pool() -> None:
    """Top the pool up (outside a test's transaction): tests that commit keep the copy they took."""
    import uuid

    from django.conf import settings
    from django.db import transaction

    from tenants.services import schema_clone

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        missing = POOL_SIZE - len(_free_pool(cursor))
    for _ in range(missing):
        with transaction.atomic():
            _real_clone(settings.TENANT_BASE_SCHEMA, f"{POOL_PREFIX}{uuid.uuid4().hex[:12]}")
    schema_clone.clone_template = _pooled_clone
    connection.set_schema_to_public()


def _pooled_clone(template: str, schema: str) -> None:
    from django.conf import settings

    with connection.cursor() as cursor:
        free = _free_pool(cursor) if template == settings.TENANT_BASE_SCHEMA else []
        if not free:
            return _real_clone(template, schema)
        cursor.execute(f'ALTER SCHEMA "{free[0]}" RENAME TO "{schema}"')
        # Sequences are not transactional: put them back where the template has them.
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = %s AND c.relkind = 'S'", [template])
        resets = [f"SELECT setval('\"{schema}\".\"{name}\"', last_value, is_called) FROM \"{template}\".\"{name}\";"
                  for (name,) in cursor.fetchall()]
        if resets:
            cursor.execute("\n".join(resets))
    return None


def _real_clone(template: str, schema: str) -> None:
    return _REAL_CLONE(template, schema)


_REAL_CLONE = None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    global _REAL_CLONE
    from tenants.services import schema_clone
    from tenants.services.provisioning import migrate_template_schema

    with django_db_blocker.unblock():
        migrate_template_schema()
        _REAL_CLONE = _REAL_CLONE or schema_clone.clone_template
        fill_schema_pool()
    yield
    schema_clone.clone_template = _REAL_CLONE


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
            fill_schema_pool()
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
