"""/api/docs/ in headless Chromium with no way out to the internet: Swagger UI still renders.

Every request not addressed to the live server is aborted, as on a school network without
internet access; the page must still show the API's operations and ask nothing of anyone else.
"""

from __future__ import annotations

import pytest

from tests.browser import MARKS

pytestmark = MARKS


def test_swagger_ui_shows_the_operations_with_nothing_but_our_own_server(live_server, browser):
    context = browser.new_context()
    served, refused = [], []

    def only_our_server(route):
        url = route.request.url
        if url.startswith(live_server.url + "/"):
            served.append(url)
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_our_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/api/docs/")
    try:
        page.wait_for_selector(".opblock", timeout=30_000)
    except Exception as exc:  # Playwright's TimeoutError: say what the page was missing
        pytest.fail(f"Swagger UI did not render ({exc.__class__.__name__}); refused requests: {refused}")

    assert page.locator(".opblock").count() >= 10
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any(path.startswith("/api/v1/") for path in paths), paths
    assert refused == [], f"the docs page asked for something outside the server: {refused}"
    assert any("swagger-ui" in url and url.endswith(".js") for url in served), served
    context.close()
