"""The web catalogue in headless Chromium: with htmx, without JavaScript, and on a phone."""

from __future__ import annotations

from pathlib import Path

from tests.browser import MARKS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = MARKS


def _search_click_facet_open_record(page, base_url: str, *, htmx: bool) -> None:
    page.goto(f"{base_url}/search/")
    page.fill("#opac-q", "人民文学出版社")
    page.press("#opac-q", "Enter")
    page.wait_for_selector(".opac-list .hit")
    assert page.locator(".opac-list .hit").count() == 4
    assert "4" in page.locator(".opac-summary .count").inner_text()

    if htmx:
        page.evaluate("window.__still_here = true")
    page.click('a[data-facet="library"][data-value="alpha"]')
    page.wait_for_function("document.querySelectorAll('.opac-list .hit').length === 3")
    assert "library=alpha" in page.url
    assert page.locator('a[data-facet="library"][data-value="alpha"][aria-current="true"]').count() == 1
    if htmx:
        # htmx swapped the results in place: same document, new URL pushed into history
        assert page.evaluate("window.__still_here === true")
    titles = page.locator(".opac-list .hit h2 a").all_inner_texts()
    assert sorted(titles) == sorted(["西游记", "三国演义", "水浒传"])

    page.click("text=三国演义")
    page.wait_for_selector("table.opac-holdings")
    assert "/search/record/U0003/" in page.url
    rows = page.locator("tr.holding")
    assert rows.count() == 2
    assert "ALPHA" in rows.nth(0).inner_text() and "I242.43/3" in rows.nth(0).inner_text()
    assert "1 / 2" in rows.nth(0).locator("td.available").inner_text()
    assert "BETA" in rows.nth(1).inner_text()


def test_a_reader_searches_in_chinese_narrows_by_library_and_sees_holdings(live_server, indexed, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/search/")
    page.type("#opac-q", "xiyou")
    page.wait_for_function(
        "[...document.querySelectorAll('#opac-suggestions option')].some(o => o.value === '西游记')"
    )
    _search_click_facet_open_record(page, live_server.url, htmx=True)
    page.go_back()
    page.wait_for_selector(".opac-list .hit")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "opac.png"), full_page=True)
    context.close()


def test_the_catalogue_works_without_javascript(live_server, indexed, browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    _search_click_facet_open_record(page, live_server.url, htmx=False)
    # paging and sorting are plain links too
    page.goto(f"{live_server.url}/search/?q=人民文学出版社")
    page.locator('.opac-sort a[href*="sort=year_asc"]').click()
    page.wait_for_url("**sort=year_asc**")
    assert page.locator(".opac-list .hit h2 a").first.inner_text() == "水浒传"
    context.close()


def test_the_catalogue_fits_a_phone(live_server, indexed, browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/search/?q=西游记")
    page.wait_for_selector(".opac-list .hit")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "opac-phone-results.png"), full_page=True)
    page.goto(f"{live_server.url}/search/record/U0003/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("tr.holding").count() == 2
    page.screenshot(path=str(ARTIFACTS / "opac-phone-record.png"), full_page=True)
    context.close()
