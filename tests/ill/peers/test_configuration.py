"""Peers are configured by coordinators of the whole consortium (API) or on the command line;
secrets go in and never come out, and no peer may take a member's agency id."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ill.models import Peer
from tenants.models import Role

pytestmark = pytest.mark.django_db

A_PEER = {"name": "邻省联盟", "agency_id": "NEIGHBOUR-01", "endpoint": "https://ill.example.org/iso18626",
          "version": "2021", "inbound_secret": "a-long-enough-secret", "outbound_secret": "another-secret",
          "allowed_addresses": ["203.0.113.0/24", "198.51.100.7"]}


def test_a_consortium_coordinator_adds_a_peer_whose_secrets_are_never_shown(api_as, coordinator):
    api = api_as(coordinator)
    created = api.post("/api/v1/ill/peers/", A_PEER, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert "inbound_secret" not in body and "outbound_secret" not in body
    assert (body["has_inbound_secret"], body["has_outbound_secret"]) == (True, True)
    assert body["allowed_addresses"] == ["203.0.113.0/24", "198.51.100.7/32"]
    peer = Peer.objects.get(agency_id="NEIGHBOUR-01")
    assert peer.check_inbound_secret("a-long-enough-secret") and "a-long-enough-secret" not in peer.inbound_secret_hash
    listed = api.get("/api/v1/ill/peers/").content.decode()
    assert "a-long-enough-secret" not in listed and "another-secret" not in listed
    changed = api.patch(f"/api/v1/ill/peers/{peer.pk}/", {"active": False, "allowed_addresses": []}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    peer.refresh_from_db()
    assert peer.allowed_addresses == [] and peer.check_inbound_secret("a-long-enough-secret")
    assert api.post("/api/v1/ill/peers/", A_PEER, format="json").status_code == 409


def test_bad_values_are_refused(api_as, coordinator, library_a):
    api = api_as(coordinator)
    assert api.post("/api/v1/ill/peers/", {**A_PEER, "agency_id": library_a.agency_id, "agency_id_type": "ISIL"},
                    format="json").status_code == 400
    assert api.post("/api/v1/ill/peers/", {**A_PEER, "allowed_addresses": ["not-an-address"]},
                    format="json").status_code == 400
    assert api.post("/api/v1/ill/peers/", {**A_PEER, "inbound_secret": "short"}, format="json").status_code == 400
    assert not Peer.objects.exists()


def test_a_district_coordinator_or_librarian_cannot_touch_peers(api_as, make_user, district_a, librarian_a):
    district = make_user("coord_east", Role.COORDINATOR, region=district_a)
    for user in (district, librarian_a):
        assert api_as(user).post("/api/v1/ill/peers/", A_PEER, format="json").status_code == 403
        assert api_as(user).get("/api/v1/ill/peers/").status_code == 403


def test_the_command_sets_a_peer_and_prints_our_agency_ids(library_a, library_b):
    out = StringIO()
    call_command("ill_peer", "set", "NEIGHBOUR-02", "--endpoint", "https://x.example.org/iso18626", "--version",
                 "2017", "--inbound-secret", "a-long-enough-secret", "--outbound-secret", "s2", "--allow",
                 "10.0.0.0/8", stdout=out)
    peer = Peer.objects.get(agency_id="NEIGHBOUR-02")
    assert peer.version == "2017" and peer.allowed_addresses == ["10.0.0.0/8"] and peer.outbound_secret == "s2"
    call_command("ill_peer", "set", "NEIGHBOUR-02", "--allow", "any", "--borrows", "no", stdout=out)
    peer.refresh_from_db()
    assert peer.allowed_addresses == [] and peer.borrows is False and peer.endpoint.startswith("https://x.")
    with pytest.raises(CommandError):
        call_command("ill_peer", "set", library_a.agency_id, "--endpoint", "https://y.example.org/", stdout=out)
    listed = StringIO()
    call_command("ill_peer", "list", stdout=listed)
    assert "NEIGHBOUR-02" in listed.getvalue() and "a-long-enough-secret" not in listed.getvalue()
    members = StringIO()
    call_command("ill_peer", "members", "--json", stdout=members)
    rows = {row["code"]: row["agency_id"] for row in json.loads(members.getvalue())}
    assert rows == {"alpha": library_a.agency_id, "beta": library_b.agency_id}
