"""The figures page in headless Chromium: ECharts, shipped with the project, draws a chart beside
each table from the page's JSON block, and the page asks nothing of other sites."""

from __future__ import annotations

import pytest

from tenants.models import Role
from tests.browser import MARKS

pytestmark = MARKS


@pytest.fixture
def staff(make_user, library):
    return make_user("circ_a", Role.CIRCULATION, library=library)


def test_each_table_gets_its_chart(live_server, browser, school, staff):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    foreign = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(
        request.url))
    page.goto(f"{live_server.url}/accounts/login/?next=/lib/alpha/figures/%3Fterm%3D{school['term'].pk}")
    page.fill("#id_username", "circ_a")
    page.fill("#id_password", "pw-12345678")
    page.press("#id_password", "Enter")
    page.wait_for_url("**/lib/alpha/figures/**")
    for chart in ("shares", "grades", "classes", "titles"):
        page.wait_for_selector(f'[data-chart="{chart}"] svg', timeout=15_000)
    # The titles chart has one bar per title, and its labels are the titles.
    titles = page.locator('[data-chart="titles"] svg').inner_html()
    for title in ("Alpha book", "Bravo book", "Charlie book", "Echo book"):
        assert title in titles
    assert page.locator("#table-titles tbody tr").count() == 4
    assert not foreign, foreign
    context.close()
