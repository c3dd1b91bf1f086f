"""Sending to a peer: the stored XML is posted with our secret; the Confirmation decides what
becomes of it; a peer that cannot be reached is tried again later, in order, and never twice."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ill.iso18626 import confirmation_for, parse, render
from ill.iso18626.messages import ErrorData
from ill.models import IllMessage, IllRequest
from ill.services import peers
from ill.services.transitions import next_request_number
from tests.ill.peers.conftest import make_peer

pytestmark = pytest.mark.django_db


class FakePeer:
    """A peer on 127.0.0.1 that records what it is sent and confirms OK (or ERROR when told)."""

    def __init__(self):
        self.received: list[tuple[str, bytes]] = []
        self.error = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.received.append((self.headers.get("Authorization", ""), body))
                errors = (ErrorData(error_type="UnrecognisedDataValue", error_value=fake.error),) if fake.error else ()
                answer = render(confirmation_for(parse(body).message, error_data=errors), parse(body).version)
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/iso18626"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_peer():
    fake = FakePeer()
    yield fake
    fake.close()


def _queued(peer, borrower, record, action="Cancel"):
    """A request with the peer as lender and one RequestingAgencyMessage queued for it."""
    from ill.services import exchange

    request = IllRequest.objects.create(number=next_request_number(), borrower=borrower, union_record=record,
                                        bib={"title": record.title}, status=IllRequest.Status.REQUESTED,
                                        lender_peer=peer)
    exchange.tell_lender(request, action)
    return request, IllMessage.objects.filter(request=request).latest("pk")


def test_a_confirmed_message_is_sent_once(ill_world, shared_book, fake_peer):
    peer = make_peer(endpoint=fake_peer.url)
    _request, message = _queued(peer, ill_world["alpha"], shared_book["record"])
    assert message.delivery == "pending"
    peers.send(message.pk)
    message.refresh_from_db()
    assert (message.delivery, message.attempts, message.error) == ("sent", 1, "")
    assert message.sent_at is not None and "requestingAgencyMessageConfirmation" in message.answer
    assert fake_peer.received == [("Bearer outbound-secret-we-send", message.body.encode())]
    peers.send(message.pk)
    assert peers.retry_pending(now=message.created_at + dt.timedelta(days=1)) == 0
    assert len(fake_peer.received) == 1


def test_a_refused_message_keeps_the_peers_error(ill_world, shared_book, fake_peer):
    peer = make_peer(endpoint=fake_peer.url)
    fake_peer.error = "no such request"
    _request, message = _queued(peer, ill_world["alpha"], shared_book["record"])
    peers.send(message.pk)
    message.refresh_from_db()
    assert message.delivery == "rejected" and "no such request" in message.error
    assert peers.retry_pending(now=message.created_at + dt.timedelta(days=1)) == 0


def test_an_unreachable_peer_is_tried_again_later_and_in_order(ill_world, shared_book, fake_peer):
    peer = make_peer(endpoint="http://127.0.0.1:9/iso18626")  # nothing listens there
    request, first = _queued(peer, ill_world["alpha"], shared_book["record"], "Received")
    from ill.services import exchange

    exchange.tell_lender(request, "ShippedReturn")
    second = IllMessage.objects.filter(request=request).latest("pk")
    peers.send(first.pk)
    first.refresh_from_db()
    assert (first.delivery, first.attempts) == ("failed", 1) and first.error
    peers.send(second.pk)  # waits for the first
    second.refresh_from_db()
    assert (second.delivery, second.attempts) == ("pending", 0)
    # Not due a minute later; due after two; then the peer is back.
    assert not peers.due_for_retry(first, now=first.created_at + dt.timedelta(minutes=1))
    assert peers.due_for_retry(first, now=first.created_at + dt.timedelta(minutes=2))
    peer.endpoint = fake_peer.url
    peer.save()
    assert peers.retry_pending(now=first.created_at + dt.timedelta(minutes=3)) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.delivery, first.attempts, second.delivery) == ("sent", 2, "sent")
    assert [parse(body).message.action for _auth, body in fake_peer.received] == ["Received", "ShippedReturn"]


def test_the_delay_doubles_and_the_attempts_end(db):
    message = IllMessage(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), attempts=3)
    start = message.created_at
    assert not peers.due_for_retry(message, now=start + dt.timedelta(minutes=13))
    assert peers.due_for_retry(message, now=start + dt.timedelta(minutes=14))
    message.attempts = peers.MAX_ATTEMPTS
    assert not peers.due_for_retry(message, now=start + dt.timedelta(days=30))
