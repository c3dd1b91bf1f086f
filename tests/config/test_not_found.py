"""An unknown path under /api/ answers JSON; any other unknown path the normal HTML page.

Both with DEBUG off (Django's handler404) and on (whose debug page bypasses handler404).
"""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

DEBUG_MODES = pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])


@DEBUG_MODES
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/nowhere", "/api/v1/union/records/x/y/z/"])
def test_an_unknown_api_path_answers_json(client, debug, path):
    with override_settings(DEBUG=debug):
        response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@DEBUG_MODES
def test_an_unknown_page_stays_html(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@DEBUG_MODES
def test_the_apis_own_not_found_keeps_its_message(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/api/v1/libraries/nosuchlib/")
    assert response.status_code == 404
    assert "nosuchlib" in response.json()["detail"]


@pytest.mark.parametrize("path,content_type", [("/api/v1/gone/", "application/json"), ("/gone/", "text/html")])
def test_the_404_handler_answers_in_the_kind_the_path_asks_for(rf, path, content_type):
    from django.http import Http404
    from django.urls import get_resolver

    handler = get_resolver().resolve_error_handler(404)
    response = handler(rf.get(path), Http404())
    assert response.status_code == 404
    assert response["Content-Type"].startswith(content_type)
