"""Readers' data stays with their own library: nobody else gets in, not even a coordinator of
the library's own region or the province, nor a superuser.

Routes are walked from the URL map, so a circulation route added later is covered without
anyone editing this test. Every method each view accepts is tried; each must answer 403.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tenants.models import Role
from tests.routes import all_routes


def view_module(route) -> str:
    view = getattr(route.view, "cls", None) or getattr(route.view, "view_class", None) or route.view
    return view.__module__


# Circulation routes open beyond the library's own people, with the reason.
OPEN = {"lib/<str:code>/reader-login/": "the readers' sign-in form, which anyone may open"}
CIRCULATION_ROUTES = [r for r in all_routes() if view_module(r).startswith("circulation.") and r.pattern not in OPEN]


def test_the_walk_finds_the_circulation_routes():
    assert CIRCULATION_ROUTES, "no circulation routes found in the URL map"
    assert all(r.takes_library_code for r in CIRCULATION_ROUTES)


@pytest.fixture
def strangers(make_user, library_b, district_b, province, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-12345678")
    return {
        "coordinator of beta's district": make_user("west_coord", Role.COORDINATOR, region=district_b),
        "coordinator of the province": make_user("prov_coord", Role.COORDINATOR, region=province),
        "superuser": root,
    }


@pytest.mark.parametrize("who", ["coordinator of beta's district", "coordinator of the province", "superuser"])
def test_no_one_outside_the_library_reaches_its_circulation(who, strangers):
    user = strangers[who]
    wrong = []
    for route in CIRCULATION_ROUTES:
        for method in sorted(route.allowed_methods() - {"options", "head"}):
            client = APIClient()
            if route.is_api:
                client.force_authenticate(user=user)
                response = getattr(client, method)(route.url("beta"), {}, format="json")
            else:
                client.force_login(user)
                response = getattr(client, method)(route.url("beta"))
            if response.status_code != 403:
                wrong.append(f"{method.upper()} /{route.pattern}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
