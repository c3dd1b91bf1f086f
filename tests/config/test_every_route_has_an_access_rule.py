"""Every route in the URL map is either public on purpose or refuses anonymous users.

The public routes are a short, explicit list. Every other route must answer an anonymous
request, for each method its view accepts, with exactly 401 (API: a token is asked for) or a
redirect to the login page (web). A route added without an access rule fails this suite.
"""

from __future__ import annotations

import types

from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from rest_framework.test import APIClient

from tests.access_matrix import PUBLIC_ROUTES
from tests.routes import all_routes, is_login_redirect

# The public routes and their reasons live with every other rule, in the access matrix.
PUBLIC = PUBLIC_ROUTES


def routes_without_access_rule(code: str) -> list[str]:
    """Non-public routes that let an anonymous request through; ``code`` names an existing library."""
    client = APIClient()
    problems = []
    for route in all_routes():
        if route.pattern in PUBLIC:
            continue
        for method in sorted(route.allowed_methods()):
            response = getattr(client, method)(route.url(code))
            if route.is_api:
                if response.status_code != 401:
                    problems.append(f"{method.upper()} /{route.pattern}: {response.status_code}, expected 401")
            elif not is_login_redirect(response):
                problems.append(f"{method.upper()} /{route.pattern}: {response.status_code}, expected the login page")
    return problems


def test_the_public_routes_exist():
    assert set(PUBLIC) <= {route.pattern for route in all_routes()}


def test_every_other_route_refuses_anonymous_users(library_a):
    assert routes_without_access_rule(library_a.code) == []


def open_view(request):
    return HttpResponse("anyone may read this")


def test_the_walk_catches_a_route_without_an_access_rule(library_a):
    from config import urls

    urlconf = types.ModuleType("urls_with_an_open_route")
    urlconf.urlpatterns = [*urls.urlpatterns, path("union/open/", open_view), path("api/v1/open/", open_view)]
    with override_settings(ROOT_URLCONF=urlconf):
        assert routes_without_access_rule(library_a.code) == [
            f"{method} /{pattern}: 200, expected {expected}"
            for pattern, expected in (("api/v1/open/", "401"), ("union/open/", "the login page"))
            for method in ("DELETE", "GET", "PATCH", "POST", "PUT")
        ]

