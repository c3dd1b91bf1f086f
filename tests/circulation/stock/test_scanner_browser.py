"""The stocktake scanner in headless Chromium: a shelf typed once, barcodes typed and Enter, a
colour and a tone per outcome, the focus back in the barcode field after each scan."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tests.browser import MARKS

pytestmark = MARKS

# Records every tone the page asks for, before any of the page's own scripts run.
RECORD_TONES = """
window.__tones = [];
Object.defineProperty(window, 'circulationTone', {
  configurable: true,
  get() { return (kind) => window.__tones.push(kind); },
  set(_player) {},
});
"""


@pytest.fixture
def session(library, desk_staff, make_items):
    from circulation.services import stocktake

    barcode = make_items(1, title="草房子")[0].barcode
    with tenant_context(library):
        return stocktake.start("期末盘点", actor=desk_staff).pk, barcode


def test_a_shelf_is_scanned_with_a_tone_per_outcome(live_server, browser, library, session):
    pk, barcode = session
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.add_init_script(RECORD_TONES)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/lib/alpha/stocktakes/{pk}/scan/")
    page.fill("#id_username", "desk_a")
    page.fill("#id_password", "pw-12345678")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"**/lib/alpha/stocktakes/{pk}/scan/")

    page.fill("#stock-shelf", "I-01")
    page.focus("#stock-barcode")
    for text, outcome, tone in ((barcode, "ok", "ok"), (barcode, "again", "warn"), ("NO-SUCH", "unknown", "refused")):
        page.keyboard.type(text, delay=5)
        page.keyboard.press("Enter")
        page.wait_for_selector(f'#scan-outcome[data-outcome="{outcome}"]', timeout=15_000)
        page.wait_for_function("document.activeElement && document.activeElement.id === 'stock-barcode'")
        assert page.evaluate("window.__tones[window.__tones.length - 1]") == tone
        assert page.input_value("#stock-shelf") == "I-01"
    context.close()
