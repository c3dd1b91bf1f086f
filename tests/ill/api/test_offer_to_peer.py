"""Staff offer a request no member could fill to a peer (another ILL system) over the API."""

from __future__ import annotations

import pytest

from ill.models import IllMessage, IllRequest
from ill.services.peers import configure_peer
from ill.services.transitions import advance_request, next_request_number

pytestmark = pytest.mark.django_db


def _end_of_rota(borrower, record):
    request = IllRequest.objects.create(number=next_request_number(), borrower=borrower, union_record=record,
                                        bib={"title": record.title}, status=IllRequest.Status.SOURCING)
    advance_request(request, "end_rota")
    return request


def test_a_request_at_the_end_of_the_rota_goes_to_a_peer(api, ill_world, shared_book, ill_staff):
    configure_peer(agency_id="KOHA-1", name="Koha", endpoint="https://koha.example.org/iso18626",
                   inbound_secret="their-secret-of-16+", outbound_secret="our-secret", version="2021")
    request = _end_of_rota(ill_world["alpha"], shared_book["record"])
    api.force_authenticate(ill_staff["alpha"])
    url = f"/api/v1/ill/libraries/alpha/requests/{request.number}/"
    assert "offer-to-peer" in api.get(url).json()["actions"]

    answer = api.post(url + "offer-to-peer/", {"peer": "KOHA-1"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "requested"
    request.refresh_from_db()
    assert request.lender_peer.agency_id == "KOHA-1" and request.lender is None
    sent = IllMessage.objects.get(request=request, kind="Request")
    assert sent.delivery == "pending" and sent.version == "2021"


def test_an_unknown_or_non_lending_peer_is_refused(api, ill_world, shared_book, ill_staff):
    configure_peer(agency_id="SILENT", name="Closed", endpoint="https://closed.example.org/iso18626",
                   inbound_secret="x-secret-of-16-chars", lends=False)
    request = _end_of_rota(ill_world["alpha"], shared_book["record"])
    api.force_authenticate(ill_staff["alpha"])
    url = f"/api/v1/ill/libraries/alpha/requests/{request.number}/offer-to-peer/"
    for peer in ("NOBODY", "SILENT"):
        answer = api.post(url, {"peer": peer}, format="json")
        assert answer.status_code == 404 and answer.json()["code"] == "no_peer"
    request.refresh_from_db()
    assert request.status == "end_of_rota"


def test_another_library_cannot_offer_our_request(api, ill_world, shared_book, ill_staff):
    configure_peer(agency_id="KOHA-2", name="Koha", endpoint="https://koha.example.org/iso18626",
                   inbound_secret="their-secret-of-16+")
    request = _end_of_rota(ill_world["alpha"], shared_book["record"])
    api.force_authenticate(ill_staff["beta"])
    answer = api.post(f"/api/v1/ill/libraries/beta/requests/{request.number}/offer-to-peer/", {"peer": "KOHA-2"},
                      format="json")
    assert answer.status_code == 404
