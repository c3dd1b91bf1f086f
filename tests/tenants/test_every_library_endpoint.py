"""Every route that names a library refuses outsiders with exactly the status its kind calls for.

Routes are enumerated from the URL map (tests/routes.py), so one added later is walked without
anyone editing this test. For each route and each method its view accepts:

* staff of another library (a librarian of alpha, the coordinator of alpha's district) get
  403 from the API and from web pages alike, unless the route is listed below as open to every
  union reader;
* anonymous users get 401 from the API (a token is asked for) and a redirect to the login
  page from web pages;
* a method the view does not accept gets 405, even from the library's own administrator.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tenants.models import Role
from tests.access_matrix import PUBLIC_ROUTES
from tests.builders import create_instance, sync
from tests.routes import METHODS, all_routes, is_login_redirect

# Public routes (a library's reader sign-in page) are open on purpose: the access matrix checks them.
LIBRARY_ROUTES = [route for route in all_routes() if route.takes_library_code and route.pattern not in PUBLIC_ROUTES]

# Library routes that every union reader may use, with the status an outsider gets and why.
OPEN_TO_UNION_READERS = {
    # Which union record holds a member's record is shown to every reader in the union
    # catalogue anyway (its holdings list); the member's own data stays behind 403.
    ("api/v1/union/members/<str:code>/<int:instance_id>/", "get"): 200,
}


def expected_for_outsider(route, method) -> int:
    return OPEN_TO_UNION_READERS.get((route.pattern, method), 403)


@pytest.fixture
def beta_instance(library_b):
    """A real record of beta's, in the union catalogue, so an id in the URL names something."""
    instance = create_instance(library_b, title="乙馆的书", authors=["乙"], year=2001, items=1)
    sync()
    return instance


@pytest.fixture
def outsiders(make_user, library_a, district_a):
    return {
        "librarian of alpha": make_user("intruder", Role.LIBRARY_ADMIN, library=library_a),
        "coordinator of alpha's district": make_user("east_coord", Role.COORDINATOR, region=district_a),
    }


def request(route, method, user, instance):
    client = APIClient()
    if user is not None:
        if route.is_api:
            client.force_authenticate(user=user)
        else:
            client.force_login(user)
    url = route.url("beta", instance.pk)
    if route.is_api:
        return getattr(client, method)(url, {}, format="json")
    return getattr(client, method)(url)


def test_the_walk_finds_every_kind_of_library_route():
    patterns = {route.pattern for route in LIBRARY_ROUTES}
    assert {
        "api/v1/libraries/<str:code>/",
        "api/v1/libraries/<str:code>/instances/<pk>/",
        "api/v1/libraries/<str:code>/imports/",
        "api/v1/union/members/<str:code>/<int:instance_id>/",
        "api/v1/union/members/<str:code>/<int:instance_id>/items/",
        "api/v1/union/quality/<str:code>/",
        "lib/<str:code>/",
        "lib/<str:code>/imports/<int:pk>/",
    } <= patterns
    assert set(OPEN_TO_UNION_READERS) <= {(r.pattern, m) for r in LIBRARY_ROUTES for m in r.allowed_methods()}


@pytest.mark.parametrize("route", LIBRARY_ROUTES, ids=lambda r: r.pattern)
def test_staff_of_another_library_are_refused(route, outsiders, beta_instance):
    wrong = []
    for who, user in outsiders.items():
        for method in sorted(route.allowed_methods()):
            expected = expected_for_outsider(route, method)
            got = request(route, method, user, beta_instance).status_code
            if got != expected:
                wrong.append(f"{method.upper()} by {who}: {got}, expected {expected}")
    assert not wrong, wrong


@pytest.mark.parametrize("route", LIBRARY_ROUTES, ids=lambda r: r.pattern)
def test_anonymous_users_are_refused(route, beta_instance):
    wrong = []
    # The API authenticates before it looks at the method, so every method is refused alike.
    for method in METHODS if route.is_api else sorted(route.allowed_methods()):
        response = request(route, method, None, beta_instance)
        if route.is_api:
            if response.status_code != 401:
                wrong.append(f"{method.upper()}: {response.status_code}, expected 401")
        elif not is_login_redirect(response):
            wrong.append(f"{method.upper()}: {response.status_code} {response.get('Location')}, expected the login page")
    assert not wrong, wrong


@pytest.mark.parametrize(
    "route", [r for r in LIBRARY_ROUTES if set(METHODS) - r.allowed_methods()], ids=lambda r: r.pattern)
def test_a_method_the_route_does_not_allow_is_405(route, librarian_b, beta_instance):
    wrong = []
    for method in sorted(set(METHODS) - route.allowed_methods()):
        got = request(route, method, librarian_b, beta_instance).status_code
        if got != 405:
            wrong.append(f"{method.upper()}: {got}, expected 405")
    assert not wrong, wrong
