"""Fixtures of the desk tests: alpha's desk URLs, a student with a card, shelves of items."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from tenants.models import Role


@pytest.fixture
def desk_url():
    def url(path: str) -> str:
        return f"/api/v1/libraries/alpha/{path}"

    return url


@pytest.fixture
def inside(library):
    """``with inside():`` reads alpha's schema after a request has put the connection back to public."""

    @contextlib.contextmanager
    def enter():
        with tenant_context(library):
            yield
        connection.set_schema_to_public()

    return enter


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def student(make_reader, make_class):
    return make_reader("张小红", card="S0001", school_class=make_class(3, "2"))


@pytest.fixture
def east_coordinator(make_user, library):
    """A coordinator of alpha's own district: sees the union, never alpha's readers."""
    return make_user("coord_east", Role.COORDINATOR, region=library.region)


@pytest.fixture
def alpha_admin(make_user, library):
    return make_user("admin_alpha", Role.LIBRARY_ADMIN, library=library)
