"""In headless Chromium: a reader signs in with card and PIN, finds a title in the catalogue, asks
for it through interlibrary loan from the record page and then sees it in "my requests"."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from ill.models import IllRequest
from tests.browser import MARKS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = MARKS


@pytest.fixture
def reader_with_pin(ill_world, reader_a):
    from circulation.services import readers

    with tenant_context(ill_world["alpha"]):
        readers.set_pin(reader_a, "246813")
    connection.set_schema_to_public()
    return reader_a


def test_a_reader_requests_a_book_from_the_record_page_and_sees_it_in_my_requests(
        live_server, browser, shared_book, reader_with_pin):
    record = shared_book["record"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/lib/alpha/reader-login/")
    page.fill("#id_card_number", "A0001")
    page.fill("#id_pin", "246813")
    page.press("#id_pin", "Enter")
    page.wait_for_url("**/lib/alpha/my/loans/")

    page.goto(f"{live_server.url}/search/record/{record.urid}/")
    page.click(f'a.opac-action[href="/ill/request/{record.urid}/"]')
    page.wait_for_selector("#ill-request-form")
    assert page.locator("#ill-record").get_attribute("data-urid") == record.urid
    page.select_option("#id_service_type", "Loan")
    page.fill("#id_note", "班级读书会要用")
    page.click("#ill-request-submit")
    page.wait_for_url("**/ill/my/")

    placed = IllRequest.objects.get()
    row = page.locator(f'#my-requests tr[data-request="{placed.number}"]')
    assert row.count() == 1 and row.get_attribute("data-status") == "awaiting_approval"
    assert row.locator("button[data-cancel]").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ill-my-requests.png"), full_page=True)
    context.close()
    assert placed.note == "班级读书会要用" and placed.reader_id == reader_with_pin.pk
