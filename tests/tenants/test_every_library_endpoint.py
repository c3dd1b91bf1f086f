"""Every library-scoped endpoint refuses the staff of another library.

The URL patterns are enumerated, so endpoints added later are covered without editing this test.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tenants.models import Role

SCOPED = ("api/v1/libraries/<str:code>/", "lib/<str:code>/")


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def library_routes():
    routes = set()
    for route in _walk(get_resolver().url_patterns):
        route = route.lstrip("^").replace("\\Z", "").replace("$", "")
        if route.startswith(SCOPED) and "(?P<format>" not in route and "\\.(?P" not in route:
            routes.add(route)
    return sorted(routes)


def concrete(route: str) -> str:
    url = route.replace("<str:code>", "beta")
    url = re.sub(r"<(?:int:)?[a-z_]*(?:pk|id)>", "1", url)
    url = re.sub(r"<[^>]+>", "x", url)
    url = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", url)
    return "/" + url


def test_routes_are_found():
    routes = library_routes()
    assert "api/v1/libraries/<str:code>/" in routes
    assert any("instances" in r for r in routes)


@pytest.mark.parametrize("route", library_routes())
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_staff_of_another_library_is_refused(client, make_user, library_a, library_b, route, method):
    intruder = make_user("intruder", Role.LIBRARY_ADMIN, library=library_a)
    client.force_login(intruder)
    response = getattr(client, method)(concrete(route))
    assert response.status_code in (302, 401, 403, 404, 405), (route, method, response.status_code)
    if response.status_code == 302:
        assert "/accounts/login" in response["Location"]
