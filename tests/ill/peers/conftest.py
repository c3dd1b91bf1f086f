"""Fixtures of the peer tests: a configured peer with its secrets, and messages it would post."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from ill.iso18626 import render
from ill.iso18626.messages import (
    AgencyId,
    BibliographicInfo,
    BibliographicItemId,
    Header,
    MessageInfo,
    Request,
    RequestingAgencyMessage,
    ServiceInfo,
    StatusInfo,
    SupplyingAgencyMessage,
)
from ill.models import Peer

SECRET = "inbound-secret-of-the-peer"


def make_peer(agency_id="PEER-LIB", *, version="2017", secret=SECRET, addresses=(), endpoint="http://127.0.0.1:9/x"):
    peer = Peer(name=f"Peer {agency_id}", agency_id_type="ISIL", agency_id=agency_id, endpoint=endpoint,
                version=version, outbound_secret="outbound-secret-we-send", allowed_addresses=list(addresses))
    peer.set_inbound_secret(secret)
    peer.save()
    return peer


@pytest.fixture
def peer(db):
    return make_peer()


def member(library) -> AgencyId:
    return AgencyId(type=settings.ILL_AGENCY_ID_TYPE, value=library.agency_id)


def peer_id(peer) -> AgencyId:
    return AgencyId(type=peer.agency_id_type, value=peer.agency_id)


def now():
    return dt.datetime.now(dt.UTC)


def request_xml(peer, lender, number="PR-1", *, version="2017", title="红楼梦", service_type="Loan") -> bytes:
    message = Request(
        header=Header(requesting_agency_id=peer_id(peer), supplying_agency_id=member(lender),
                      requesting_agency_request_id=number, timestamp=now()),
        bibliographic_info=BibliographicInfo(title=title, author="曹雪芹", bibliographic_item_ids=(
            BibliographicItemId(code="ISBN", value="9787020002207"),)),
        service_info=ServiceInfo(service_type=service_type, note="for a class"),
    )
    return render(message, version)


def supplying_xml(peer, borrower, number, status, *, reason="StatusChange", version="2017", **info) -> bytes:
    message = SupplyingAgencyMessage(
        header=Header(supplying_agency_id=peer_id(peer), requesting_agency_id=member(borrower),
                      requesting_agency_request_id=number, supplying_agency_request_id="P-77", timestamp=now()),
        message_info=MessageInfo(reason_for_message=reason, **info),
        status_info=StatusInfo(status=status, last_change=now()),
    )
    return render(message, version)


def requesting_xml(peer, lender, number, action, *, version="2017", note=None) -> bytes:
    message = RequestingAgencyMessage(
        header=Header(requesting_agency_id=peer_id(peer), supplying_agency_id=member(lender),
                      requesting_agency_request_id=number, timestamp=now()),
        action=action, note=note)
    return render(message, version)
