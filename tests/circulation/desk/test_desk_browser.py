"""The desk page in headless Chromium, driven as a keyboard-wedge scanner drives it: characters
typed into the focused field, then Enter. The focus never leaves the scan field."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from circulation.models import Loan
from tests.browser import MARKS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = MARKS


@pytest.fixture
def shelf(library, desk_staff, make_reader, make_class, make_items):
    make_reader("张小红", card="S0001", school_class=make_class(3, "2"))
    return {"book": make_items(1, title="草房子")[0].barcode,
            "dictionary": make_items(1, title="新华字典", reference_only=True)[0].barcode}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/lib/alpha/desk/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345678")
    page.press("#id_password", "Enter")
    page.wait_for_url("**/lib/alpha/desk/")


def scan(page, text: str, expected: str) -> None:
    """Type like a scanner into whatever has the focus, press Enter, wait for the outcome."""
    assert page.evaluate("document.activeElement.id") == "desk-scan"
    page.keyboard.type(text, delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#desk-result[data-outcome="{expected}"]', timeout=15_000)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'desk-scan'")
    assert page.evaluate("document.getElementById('desk-scan').value") == ""


def test_a_desk_lends_refuses_and_takes_back_by_typed_barcodes(live_server, browser, library, shelf):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "desk_a")
    page.evaluate("window.__same_page = true")  # htmx answers in place: the document stays

    scan(page, "S0001", "reader")
    assert page.locator("#desk-reader").get_attribute("data-card") == "S0001"
    assert "张小红" in page.locator("#desk-reader").inner_text()

    scan(page, shelf["book"], "ok")
    assert page.locator(f'#desk-reader tr[data-barcode="{shelf["book"]}"]').count() == 1
    assert page.locator("#desk-result.done").count() == 1

    scan(page, shelf["dictionary"], "reference_only")
    assert page.locator("#desk-result.refused").count() == 1
    assert "新华字典" in page.locator("#desk-result .desk-message").inner_text()  # the reason names the book

    page.keyboard.press("Escape")  # clears the reader
    page.wait_for_function("!document.getElementById('desk-reader')")
    assert page.evaluate("document.activeElement.id") == "desk-scan"

    page.keyboard.press("F3")  # check-in mode
    page.wait_for_selector('#desk-state[data-mode="checkin"]')
    page.wait_for_function("document.activeElement && document.activeElement.id === 'desk-scan'")
    scan(page, shelf["book"], "ok")

    assert page.evaluate("window.__same_page === undefined")  # F3 loaded the check-in page itself
    outcomes = page.locator("#desk-session li").evaluate_all("items => items.map(i => i.dataset.outcome)")
    assert outcomes == ["ok", "reference_only", "ok"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "desk.png"), full_page=True)
    context.close()
    with tenant_context(library):
        assert list(Loan.objects.values_list("status", flat=True)) == ["returned"]


def test_the_desk_works_without_javascript_and_fits_a_tablet(live_server, browser, library, shelf):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "desk_a")
    for text, expected in (("S0001", "reader"), (shelf["book"], "ok"), (shelf["dictionary"], "reference_only")):
        page.fill("#desk-scan", text)
        page.press("#desk-scan", "Enter")
        page.wait_for_selector(f'#desk-result[data-outcome="{expected}"]')
    assert page.locator("#desk-reader").get_attribute("data-card") == "S0001"
    # nothing wider than the screen, and the scan field and its button large enough to touch
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in ("#desk-scan", "#desk-submit", "#desk-mode-checkin"):
        box = page.locator(selector).bounding_box()
        assert box["height"] >= 44, (selector, box)
    page.click("#desk-mode-checkin")
    page.wait_for_selector('#desk-state[data-mode="checkin"]')
    page.fill("#desk-scan", shelf["book"])
    page.press("#desk-scan", "Enter")
    page.wait_for_selector('#desk-result[data-outcome="ok"]')
    context.close()
