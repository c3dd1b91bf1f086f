"""Who reaches the desk: the library's own desk people; student helpers only lend and return; a
coordinator of the library's own region never sees any of it (readers' data)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from circulation.models import DeskEvent
from tests.routes import all_routes

DESK_ROUTES = [r for r in all_routes() if (r.name or "").startswith(("circ-api-desk-", "circ-desk"))]
STAFF_ONLY = {"circ-api-desk-events", "circ-api-desk-loans", "circ-desk-log", "circ-desk-loans"}


def call(route, user, method):
    url = route.url("alpha").replace("/x/", "/S0001/")
    if route.is_api:
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(user=user)
        return getattr(client, method)(url, {}, format="json")
    client = Client()
    client.force_login(user)
    return getattr(client, method)(url)


def test_the_desk_routes_are_all_walked():
    assert {r.name for r in DESK_ROUTES} >= {"circ-api-desk-checkout", "circ-api-desk-checkin", "circ-api-desk-renew",
                                             "circ-api-desk-reader", "circ-api-desk-events", "circ-api-desk-loans",
                                             "circ-desk"}


def test_a_coordinator_of_the_librarys_own_region_is_refused_everywhere_at_the_desk(library, east_coordinator,
                                                                                   make_reader):
    make_reader("张小红", card="S0001")
    refused = {(r.name, m): call(r, east_coordinator, m).status_code
               for r in DESK_ROUTES for m in sorted(r.allowed_methods())}
    assert refused and set(refused.values()) == {403}, refused


def test_a_region_coordinator_who_is_no_member_cannot_read_a_reader_at_the_desk(library, east_coordinator,
                                                                               make_reader, api_as):
    make_reader("张小红", card="S0001")
    response = api_as(east_coordinator).get("/api/v1/libraries/alpha/desk/reader/S0001/")
    assert response.status_code == 403 and "张小红" not in response.content.decode()


def test_a_student_helper_lends_and_returns_but_reads_no_log_nor_loans_list(library, helper, make_reader, make_items,
                                                                           client_for, desk_url, inside):
    make_reader("张小红", card="S0001")
    item = make_items(1)[0]
    client = client_for(helper)
    assert client.post(desk_url("desk/checkout/"), {"card": "S0001", "barcode": item.barcode},
                       format="json").status_code == 200
    assert client.get(desk_url("desk/reader/S0001/")).status_code == 200
    assert client.post(desk_url("desk/renew/"), {"barcode": item.barcode}, format="json").status_code == 200
    assert client.post(desk_url("desk/checkin/"), {"barcode": item.barcode}, format="json").status_code == 200
    for route in DESK_ROUTES:
        if route.name in STAFF_ONLY:
            assert call(route, helper, "get").status_code == 403, route.name
    with inside():
        events = list(DeskEvent.objects.order_by("at", "id").values_list("action", "actor_name", "actor_role",
                                                                          "actor_id"))
    assert events == [("check_out", "小明 王", "desk_helper", helper.pk), ("renew", "小明 王", "desk_helper", helper.pk),
                      ("check_in", "小明 王", "desk_helper", helper.pk)]


def test_a_student_helper_manages_no_readers(library, helper, make_reader):
    """Every other circulation route with readers' data (reader management, corners, charges...)
    refuses a helper: only the desk and stocktake scans are theirs."""
    from tenants.models import Role
    from tenants.services import access
    from tests import access_matrix as m

    # What the readers' routes ask of a user (own circulation staff, own administrator): not a helper.
    assert access.has_own_role(helper, library, Role.DESK_HELPER)
    assert not access.has_own_role(helper, library, Role.CIRCULATION)
    assert not access.has_own_role(helper, library, Role.LIBRARY_ADMIN)
    reader = make_reader("张小红", card="S0001")

    others = [r for r in all_routes() if (r.name or "").startswith("circ") and r not in DESK_ROUTES
              and all(call_.rule in (m.OWN_STAFF, m.OWN_ADMIN) for call_ in m.calls_for(r) or [m.get(m.PUBLIC)])
              and "reader" in (r.name or "")]
    if not others:
        pytest.skip("the readers area has no routes yet")
    for route in others:
        url = route.url("alpha", reader.pk)
        for method in sorted(route.allowed_methods() & {"get"}) or ["post"]:
            client = Client()
            client.force_login(helper)
            if route.is_api:
                from rest_framework.test import APIClient

                client = APIClient()
                client.force_authenticate(user=helper)
            status = getattr(client, method)(url).status_code
            assert status == 403, f"{method.upper()} {url}: {status}"


def test_staff_of_another_library_reach_nothing_here(library, make_user, library_b, make_reader):
    from tenants.models import Role

    make_reader("张小红", card="S0001")
    beta_desk = make_user("desk_b", Role.CIRCULATION, library=library_b)
    statuses = {call(r, beta_desk, m).status_code for r in DESK_ROUTES for m in sorted(r.allowed_methods())}
    assert statuses == {403}
    with tenant_context(library):
        assert not DeskEvent.objects.exists()
