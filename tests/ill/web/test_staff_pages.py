"""The library's ILL pages: the borrowing queue and a request, the lending queue and a supply.

The borrowing library's staff see their reader; a lender's pages never name the reader.
"""

from __future__ import annotations

import pytest

from ill.models import IllRequest, Supply
from ill.web.borrowing import TABS as BORROWING_TABS
from ill.web.lending import TABS as LENDING_TABS
from tests.ill.web.conftest import READER_NAME

pytestmark = pytest.mark.django_db


def test_every_state_is_in_exactly_one_tab():
    for tabs, states in ((BORROWING_TABS, IllRequest.Status.values), (LENDING_TABS, Supply.Status.values)):
        placed = [state for _label, tab_states in tabs.values() for state in tab_states]
        assert sorted(placed) == sorted(states)


@pytest.fixture
def awaiting(reader_client, shared_book, reader_account):
    assert reader_client.post(f"/ill/request/{shared_book['record'].urid}/", {"service_type": "Loan"}).status_code == 302
    return IllRequest.objects.get(reader_user_id=reader_account.pk)


def test_approving_from_the_request_page_sends_it_to_a_lender(alpha_staff, awaiting, open_day):
    queue = alpha_staff.get("/ill/lib/alpha/").content.decode()
    assert 'data-tab="approval" data-count="1"' in queue
    assert f'data-request="{awaiting.number}" data-status="awaiting_approval"' in queue
    assert READER_NAME in queue  # the borrowing library's own staff see their reader

    page = alpha_staff.get(f"/ill/lib/alpha/requests/{awaiting.pk}/").content.decode()
    assert 'data-action="approve"' in page and 'data-action="reject"' in page
    answer = alpha_staff.post(f"/ill/lib/alpha/requests/{awaiting.pk}/act/", {"action": "approve"})
    assert answer.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == IllRequest.Status.REQUESTED

    page = alpha_staff.get(f"/ill/lib/alpha/requests/{awaiting.pk}/").content.decode()
    assert 'id="ill-rota"' in page and 'data-lender="beta"' in page and 'data-lender="gamma"' in page
    assert 'data-outcome="asked"' in page
    assert 'data-kind="Request"' in page  # the message that went out
    assert 'data-action="ask_cancel"' in page and 'data-action="approve"' not in page
    assert 'data-step="approve" data-to="sourcing"' in page  # the history row


def test_an_action_the_state_does_not_allow_changes_nothing(alpha_staff, awaiting):
    assert alpha_staff.post(f"/ill/lib/alpha/requests/{awaiting.pk}/act/", {"action": "receive"}).status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == IllRequest.Status.AWAITING_APPROVAL


def test_a_request_of_another_library_is_not_found(beta_staff, awaiting):
    assert beta_staff.get(f"/ill/lib/beta/requests/{awaiting.pk}/").status_code == 404
    assert beta_staff.post(f"/ill/lib/beta/requests/{awaiting.pk}/act/", {"action": "reject"}).status_code == 404
    assert beta_staff.get(f"/ill/lib/alpha/requests/{awaiting.pk}/").status_code == 403


@pytest.fixture
def sent(alpha_staff, awaiting, open_day):
    """The request approved and asked of its first lender; that lender's supply."""
    alpha_staff.post(f"/ill/lib/alpha/requests/{awaiting.pk}/act/", {"action": "approve"})
    awaiting.refresh_from_db()
    return awaiting, Supply.objects.get(request=awaiting, status=Supply.Status.NEW)


def lender_client(supply, beta_staff, gamma_staff):
    return beta_staff if supply.lender.code == "beta" else gamma_staff


def test_the_lender_sees_the_borrowing_library_and_number_never_the_reader(sent, beta_staff, gamma_staff):
    request, supply = sent
    client, code = lender_client(supply, beta_staff, gamma_staff), supply.lender.code
    queue = client.get(f"/ill/lib/{code}/lending/").content.decode()
    assert f'data-supply="{supply.number}" data-status="new"' in queue
    assert request.number in queue
    page = client.get(f"/ill/lib/{code}/lending/{supply.pk}/").content.decode()
    assert 'id="ill-answer-form"' in page and '<label for="id_decision"' in page
    for html in (queue, page):
        assert READER_NAME not in html and "A0001" not in html


def test_a_lender_answers_will_supply_prints_slips_and_picks_by_scan(sent, beta_staff, gamma_staff):
    request, supply = sent
    client, code = lender_client(supply, beta_staff, gamma_staff), supply.lender.code
    assert client.post(f"/ill/lib/{code}/lending/{supply.pk}/answer/",
                       {"decision": "will_supply", "note": ""}).status_code == 302
    supply.refresh_from_db()
    request.refresh_from_db()
    assert supply.status == Supply.Status.WILL_SUPPLY and request.status == IllRequest.Status.WILL_SUPPLY

    slips = client.post(f"/ill/lib/{code}/lending/pull-slips/", {"supply": [supply.pk]})
    assert slips.status_code == 200 and slips["Content-Type"] == "application/pdf"
    assert slips.content.startswith(b"%PDF")
    supply.refresh_from_db()
    assert supply.status == Supply.Status.PULL_SLIP_PRINTED

    scan = client.get(f"/ill/lib/{code}/lending/scan/").content.decode()
    assert 'id="scan-input"' in scan and "autofocus" in scan and '<label for="scan-input"' in scan
    first = client.post(f"/ill/lib/{code}/lending/scan/", {"mode": "pick", "scan": supply.number},
                        HTTP_HX_REQUEST="true").content.decode()
    assert 'data-outcome="slip"' in first and f'data-current="{supply.number}"' in first
    assert "<html" not in first  # htmx gets the result only
    done = client.post(f"/ill/lib/{code}/lending/scan/",
                       {"mode": "pick", "current": supply.number, "scan": supply.item_barcode}).content.decode()
    assert 'data-outcome="ok"' in done
    supply.refresh_from_db()
    assert supply.status == Supply.Status.AWAITING_SHIPPING
    assert READER_NAME not in done


def test_an_unfilled_answer_needs_a_reason_and_moves_the_request_on(sent, beta_staff, gamma_staff):
    request, supply = sent
    client, code = lender_client(supply, beta_staff, gamma_staff), supply.lender.code
    refused = client.post(f"/ill/lib/{code}/lending/{supply.pk}/answer/", {"decision": "unfilled"})
    assert refused.status_code == 400
    supply.refresh_from_db()
    assert supply.status == Supply.Status.NEW
    assert client.post(f"/ill/lib/{code}/lending/{supply.pk}/answer/",
                       {"decision": "unfilled", "reason": "NotOnShelf"}).status_code == 302
    supply.refresh_from_db()
    assert supply.status == Supply.Status.UNFILLED and supply.reason_unfilled == "NotOnShelf"
    request.refresh_from_db()
    assert request.status == IllRequest.Status.REQUESTED and request.lender != supply.lender  # the next lender


def test_a_supply_of_another_lender_is_not_found(sent, beta_staff, gamma_staff):
    _request, supply = sent
    other = gamma_staff if supply.lender.code == "beta" else beta_staff
    other_code = "gamma" if supply.lender.code == "beta" else "beta"
    assert other.get(f"/ill/lib/{other_code}/lending/{supply.pk}/").status_code == 404


def test_the_settings_page_saves_pickup_points_for_the_request_form(make_user, ill_world, reader_client, shared_book):
    from ill.models import LibraryIllSettings
    from tenants.models import Role
    from tests.ill.web.conftest import signed_in

    admin = signed_in(make_user("admin_alpha", Role.LIBRARY_ADMIN, library=ill_world["alpha"]))
    page = admin.get("/ill/lib/alpha/settings/").content.decode()
    assert '<label for="id_pickup_points_text"' in page
    answer = admin.post("/ill/lib/alpha/settings/", {"approval_required": "false", "auto_respond": "on",
                                                    "courier_days": "3", "pickup_points_text": "总服务台\n初二(3)班图书角\n"})
    assert answer.status_code == 302
    settings = LibraryIllSettings.for_library(ill_world["alpha"])
    assert settings.pickup_points == ["总服务台", "初二(3)班图书角"] and settings.approval_required is False
    assert settings.auto_respond and settings.courier_days == 3
    form = reader_client.get(f"/ill/request/{shared_book['record'].urid}/").content.decode()
    assert '<select name="pickup_point"' in form and 'value="初二(3)班图书角"' in form


def test_ill_staff_may_not_change_the_settings(alpha_staff):
    assert alpha_staff.get("/ill/lib/alpha/settings/").status_code == 403


def test_the_figures_page_counts_the_requests(alpha_staff, awaiting):
    html = alpha_staff.get("/ill/lib/alpha/figures/").content.decode()
    assert 'id="figures-borrowing" data-made="1"' in html


def test_a_request_no_member_could_supply_is_offered_to_a_peer_from_its_page(alpha_staff, ill_world, shared_book):
    from ill.models import IllMessage
    from ill.services.peers import configure_peer
    from ill.services.transitions import advance_request, next_request_number

    peer = configure_peer(agency_id="KOHA-WEB", name="Koha", endpoint="https://koha.example.org/iso18626",
                          inbound_secret="their-secret-of-16+")
    request = IllRequest.objects.create(number=next_request_number(), borrower=ill_world["alpha"],
                                        union_record=shared_book["record"], bib={"title": "红楼梦"},
                                        status=IllRequest.Status.SOURCING)
    advance_request(request, "end_rota")
    page = alpha_staff.get(f"/ill/lib/alpha/requests/{request.pk}/").content.decode()
    assert 'id="ill-offer-peer"' in page and f'value="{peer.pk}"' in page

    answer = alpha_staff.post(f"/ill/lib/alpha/requests/{request.pk}/offer-to-peer/", {"peer": peer.pk})
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.status == "requested" and request.lender_peer == peer
    assert IllMessage.objects.filter(request=request, kind="Request", delivery="pending").exists()
    page = alpha_staff.get(f"/ill/lib/alpha/requests/{request.pk}/").content.decode()
    assert 'id="ill-offer-peer"' not in page  # with a lender now
