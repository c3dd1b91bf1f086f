"""``POST /iso18626``: peers' messages routed by agency id, each answered with a schema-valid
Confirmation; every refusal with the standard's error type, and never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from ill.iso18626 import parse, validate
from ill.models import IllMessage, IllRequest, Supply
from ill.services import peers
from ill.services.transitions import advance_supply, next_request_number
from tests.ill.peers.conftest import (
    SECRET,
    make_peer,
    request_xml,
    requesting_xml,
    supplying_xml,
)

pytestmark = pytest.mark.django_db


def post(body: bytes, *, secret=SECRET, address="127.0.0.1", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    return Client().post("/iso18626", data=body, content_type="application/xml", REMOTE_ADDR=address,
                         **headers, **extra)


def confirmation(response, version="2017"):
    """The answer's Confirmation, after checking it against the schema."""
    assert response["Content-Type"].startswith("application/xml")
    assert validate(response.content, version) == [], response.content
    return parse(response.content).message


def status_and_errors(response, version="2017"):
    answer = confirmation(response, version)
    return (response.status_code, str(answer.confirmation_header.message_status),
            [str(e.error_type) for e in answer.error_data])


@pytest.mark.parametrize("version", ["2017", "2021"])
def test_a_peers_request_becomes_a_supply_of_the_member_it_names(version, ill_world, peer):
    beta = ill_world["beta"]
    response = post(request_xml(peer, beta, "PR-1", version=version))
    assert status_and_errors(response, version) == (200, "OK", [])
    supply = Supply.objects.get(requester_peer=peer, requester_request_id="PR-1")
    assert (supply.lender, supply.status, supply.service_type) == (beta, "new", "Loan")
    assert supply.bib["title"] == "红楼梦" and supply.bib["isbns"] == ["9787020002207"]
    logged = IllMessage.objects.get(direction="in", supply=supply)
    assert (logged.kind, logged.peer, logged.version, logged.delivery) == ("Request", peer, version, "sent")
    # The same Request again (the peer missed our answer) is taken once.
    assert status_and_errors(post(request_xml(peer, beta, "PR-1", version=version)), version) == (200, "OK", [])
    assert Supply.objects.filter(requester_peer=peer).count() == 1


def test_a_peer_without_its_secret_is_refused(ill_world, peer):
    body = request_xml(peer, ill_world["beta"], "PR-2")
    assert status_and_errors(post(body, secret="wrong-secret")) == (401, "ERROR", ["UnrecognisedDataValue"])
    assert status_and_errors(post(body, secret=None)) == (401, "ERROR", ["UnrecognisedDataValue"])
    assert not Supply.objects.exists()
    assert not IllMessage.objects.exists()
    # Once the right secret has been seen, a wrong one is still refused.
    assert post(body).status_code == 200
    assert post(body, secret="wrong-secret").status_code == 401


def test_a_sender_that_is_not_a_configured_peer_is_refused(ill_world, peer):
    stranger = make_peer("STRANGER")
    body = request_xml(stranger, ill_world["beta"], "PR-3")
    stranger.delete()
    assert status_and_errors(post(body)) == (403, "ERROR", ["UnrecognisedDataValue"])
    peer.active = False
    peer.save()
    assert status_and_errors(post(request_xml(peer, ill_world["beta"], "PR-3"))) == (
        403, "ERROR", ["UnrecognisedDataValue"])
    assert not Supply.objects.exists()


def test_a_peer_posts_only_from_its_allowed_addresses(ill_world):
    peer = make_peer(addresses=["203.0.113.0/24"])
    body = request_xml(peer, ill_world["beta"], "PR-4")
    assert post(body, address="198.51.100.7").status_code == 403
    assert not Supply.objects.exists()
    assert status_and_errors(post(body, address="203.0.113.9")) == (200, "OK", [])


def test_nobody_speaks_in_a_members_name(ill_world, peer):
    """A message claiming to come from one of our members is refused, even with a peer's secret."""
    alpha, beta = ill_world["alpha"], ill_world["beta"]
    impostor = make_peer("IMPOSTOR")
    impostor.agency_id_type, impostor.agency_id = "ISIL", alpha.agency_id  # as if configured by mistake
    impostor.save()
    from django.conf import settings

    impostor.agency_id_type = settings.ILL_AGENCY_ID_TYPE
    impostor.save()
    response = post(request_xml(impostor, beta, "PR-5"))
    assert status_and_errors(response) == (403, "ERROR", ["UnrecognisedDataValue"])
    assert not Supply.objects.exists()
    # And a member's agency id cannot be given to a peer.
    from core.exceptions import UserError

    with pytest.raises(UserError):
        peers.configure_peer(agency_id=alpha.agency_id, agency_id_type=settings.ILL_AGENCY_ID_TYPE,
                             endpoint="https://x.example.org/", inbound_secret="x" * 20)


def test_a_request_for_an_agency_that_is_not_ours_is_an_unrecognised_value(ill_world, peer):
    other = make_peer("ELSEWHERE")
    response = post(request_xml(peer, other, "PR-6"))  # addressed to another peer, not a member
    assert status_and_errors(response) == (200, "ERROR", ["UnrecognisedDataValue"])
    assert IllMessage.objects.get(direction="in").delivery == "rejected"


def _borrowed_from(peer, alpha, record):
    request = IllRequest.objects.create(number=next_request_number(), borrower=alpha, union_record=record,
                                        bib={"title": record.title}, status=IllRequest.Status.SOURCING)
    peers.offer_to_peer(request, peer)
    request.refresh_from_db()
    assert request.status == "requested"
    return request


def test_a_peers_answers_move_our_request(ill_world, shared_book, peer):
    alpha = ill_world["alpha"]
    request = _borrowed_from(peer, alpha, shared_book["record"])
    response = post(supplying_xml(peer, alpha, request.number, "WillSupply", reason="RequestResponse",
                                  answer_yes_no=True))
    assert status_and_errors(response) == (200, "OK", [])
    request.refresh_from_db()
    assert (request.status, request.supplier_request_id) == ("will_supply", "P-77")
    assert status_and_errors(post(supplying_xml(peer, alpha, request.number, "Loaned"))) == (200, "OK", [])
    request.refresh_from_db()
    assert request.status == "shipped"
    assert IllMessage.objects.filter(direction="in", request=request, delivery="sent").count() == 2
    # A step the request cannot take (a loan completed before it came back) is refused.
    response = post(supplying_xml(peer, alpha, request.number, "WillSupply"))
    assert status_and_errors(response) == (200, "ERROR", ["UnrecognisedDataValue"])
    request.refresh_from_db()
    assert request.status == "shipped"


def test_an_answer_about_a_request_we_do_not_know_is_refused(ill_world, shared_book, peer):
    alpha = ill_world["alpha"]
    request = _borrowed_from(peer, alpha, shared_book["record"])
    assert status_and_errors(post(supplying_xml(peer, alpha, "R-NOPE", "WillSupply"))) == (
        200, "ERROR", ["UnrecognisedDataValue"])
    other = make_peer("OTHER-PEER")  # another peer may not answer for the one asked
    assert status_and_errors(post(supplying_xml(other, alpha, request.number, "WillSupply"))) == (
        200, "ERROR", ["UnrecognisedDataValue"])
    request.refresh_from_db()
    assert request.status == "requested"


def _supplying_to(peer, beta, number="PR-9"):
    assert post(request_xml(peer, beta, number)).status_code == 200
    return Supply.objects.get(requester_peer=peer, requester_request_id=number)


def test_a_peers_cancel_and_return_reach_our_lender(ill_world, peer):
    beta = ill_world["beta"]
    supply = _supplying_to(peer, beta, "PR-10")
    assert status_and_errors(post(requesting_xml(peer, beta, "PR-10", "Cancel", note="no longer needed"))) == (
        200, "OK", [])
    supply.refresh_from_db()
    assert supply.status == "cancelled"
    answer = IllMessage.objects.get(direction="out", supply=supply, status="Cancelled")
    assert answer.delivery == "pending" and validate(answer.body.encode(), "2017") == []

    shipped = _supplying_to(peer, beta, "PR-11")
    advance_supply(shipped, "will_supply")
    advance_supply(shipped, "ship")
    # Too late to cancel: the lender says no, the message itself is taken.
    assert status_and_errors(post(requesting_xml(peer, beta, "PR-11", "Cancel"))) == (200, "OK", [])
    shipped.refresh_from_db()
    assert shipped.status == "loaned"
    assert status_and_errors(post(requesting_xml(peer, beta, "PR-11", "ShippedReturn"))) == (200, "OK", [])
    shipped.refresh_from_db()
    assert shipped.status == "return_shipped"


def test_actions_we_do_not_take_and_unknown_requests_are_refused(ill_world, peer):
    beta = ill_world["beta"]
    supply = _supplying_to(peer, beta, "PR-12")
    assert status_and_errors(post(requesting_xml(peer, beta, "PR-12", "ShippedForward"))) == (
        200, "ERROR", ["UnsupportedActionType"])
    assert status_and_errors(post(requesting_xml(peer, beta, "PR-NOPE", "Cancel"))) == (
        200, "ERROR", ["UnrecognisedDataValue"])
    # ShippedReturn of an item never shipped: refused for the state the supply is in.
    assert status_and_errors(post(requesting_xml(peer, beta, "PR-12", "ShippedReturn"))) == (
        200, "ERROR", ["UnrecognisedDataValue"])
    supply.refresh_from_db()
    assert supply.status == "new"


BAD_BODIES = {
    "not XML": (b"hello", "BadlyFormedMessage"),
    "empty": (b"", "BadlyFormedMessage"),
    "wrong root": (b"<a/>", "BadlyFormedMessage"),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_a_body_that_is_not_a_message_is_badly_formed(name, db):
    body, error_type = BAD_BODIES[name]
    assert status_and_errors(post(body)) == (400, "ERROR", [error_type])


def test_unknown_elements_and_codes_get_their_error_types(ill_world, peer):
    beta = ill_world["beta"]
    request = request_xml(peer, beta, "PR-13").replace(b"<note>", b"<colour>red</colour><note>")
    assert status_and_errors(post(request)) == (400, "ERROR", ["UnrecognisedDataElement"])
    action = requesting_xml(peer, beta, "PR-13", "Cancel").replace(b">Cancel<", b">Dance<")
    assert status_and_errors(post(action)) == (400, "ERROR", ["UnsupportedActionType"])
    news = supplying_xml(peer, beta, "PR-13", "Loaned").replace(b">StatusChange<", b">Gossip<")
    assert status_and_errors(post(news)) == (400, "ERROR", ["UnsupportedReasonForMessageType"])
    status = supplying_xml(peer, beta, "PR-13", "Loaned").replace(b">Loaned<", b">Borrowed<")
    assert status_and_errors(post(status)) == (400, "ERROR", ["UnrecognisedDataValue"])
    assert not Supply.objects.exists()


def test_entities_and_doctypes_are_refused_unread(ill_world, peer, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-CONTENT")
    valid = request_xml(peer, ill_world["beta"], "PR-14").decode()
    body = valid.replace("<?xml version='1.0' encoding='UTF-8'?>", "")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>'
           + body.replace("红楼梦", "&x;"))
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + body.replace("红楼梦", "&c;"))
    for hostile in (xxe, laughs, "<!DOCTYPE ISO18626Message>" + body):
        response = post(hostile.encode())
        assert status_and_errors(response) == (400, "ERROR", ["BadlyFormedMessage"])
        assert b"TOP-SECRET" not in response.content and b"lollol" not in response.content
    assert not Supply.objects.exists()


def test_an_oversized_body_is_refused(db):
    from ill.iso18626 import MAX_MESSAGE_BYTES

    response = post(b"<a>" + b"x" * (MAX_MESSAGE_BYTES + 10) + b"</a>")
    assert response.status_code == 413
    assert confirmation(response).error_data[0].error_type == "BadlyFormedMessage"


def test_only_post_is_answered(db):
    assert Client().get("/iso18626").status_code == 405
