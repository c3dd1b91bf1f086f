"""``libraries_with_role`` lists exactly the libraries where ``has_role`` holds, in a fixed number
of queries however many libraries there are."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import STAFF_ROLES, Library, Region, Role
from tenants.services import access

pytestmark = pytest.mark.django_db

ASKS = [(Role.CATALOGUER,), (Role.LIBRARY_ADMIN,), (Role.STUDENT,), (Role.COORDINATOR,),
        (*STAFF_ROLES, Role.COORDINATOR), (Role.CIRCULATION, Role.TEACHER)]


@pytest.fixture
def people(make_library, make_user, province, district_a, district_b, django_user_model):
    north = Region.objects.create(code="north", name="北区", level="district", parent=province)
    alpha = make_library("alpha", region=district_a)
    beta = make_library("beta", region=district_b)
    gamma = make_library("gamma", region=north)
    users = [
        make_user("cat_alpha", Role.CATALOGUER, library=alpha),
        make_user("admin_beta", Role.LIBRARY_ADMIN, library=beta),
        make_user("student_gamma", Role.STUDENT, library=gamma),
        make_user("east_coord", Role.COORDINATOR, region=district_a),
        make_user("prov_coord", Role.COORDINATOR, region=province),
        make_user("nobody"),
        django_user_model.objects.create_superuser("root", password="pw-12345678"),
    ]
    return users, [alpha, beta, gamma]


def test_it_agrees_with_has_role_for_every_user_and_library(people):
    users, libraries = people
    for user, wanted in itertools.product(users, ASKS):
        expected = {lib.code for lib in libraries if access.has_role(user, lib, *wanted)}
        listed = set(access.libraries_with_role(user, *wanted).values_list("code", flat=True))
        assert listed == expected, (user.username, wanted)


def test_it_lists_nothing_for_an_anonymous_user(people):
    assert not access.libraries_with_role(AnonymousUser(), Role.CATALOGUER).exists()


def test_its_queries_do_not_grow_with_the_libraries(people, make_library, province):
    users, _libraries = people
    coordinator = next(u for u in users if u.username == "prov_coord")
    with CaptureQueriesContext(connection) as few:
        list(access.libraries_with_role(coordinator, *STAFF_ROLES))
    for n in range(5):
        make_library(f"extra{n}", region=province)
    with CaptureQueriesContext(connection) as many:
        listed = list(access.libraries_with_role(coordinator, *STAFF_ROLES))
    assert len(listed) == Library.objects.count()
    assert len(many) == len(few)
