"""Two consortia on 127.0.0.1, each its own database and server, complete a loan over ISO 18626 HTTP.

Consortium A is this test's live server and test database; consortium B is a second server process
on a database of its own (a copy of the freshly migrated test database, or migrated from scratch
when it cannot be copied), with another agency-id prefix, DEBUG off and its own secret key. B is
set up through management commands; its staff's steps run as ``manage.py shell`` in B's
environment. Celery runs in-process on both sides, so each message is posted as its transaction
commits.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections

from config.env import database_url
from ill.iso18626 import validate
from ill.models import IllMessage, IllRequest, Peer
from ill.services import peers
from ill.services.transitions import advance_request, next_request_number

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
A_TO_B_SECRET = "secret-that-A-sends-to-B-0123456789"
B_TO_A_SECRET = "secret-that-B-sends-to-A-9876543210"
B_PREFIX = "CONSB"


def free_port() -> int:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    except OSError as exc:
        pytest.skip(f"cannot open a port on 127.0.0.1: {exc}")


def _maintenance():
    settings = {**connection.settings_dict, "NAME": "postgres"}
    return psycopg.connect(database_url(settings).replace("postgresql://", "postgres://", 1), autocommit=True)


def _create_database(name: str) -> bool:
    """B's database: a copy of the migrated test database if it can be had now (fast), else empty.
    True when it is a copy."""
    source = connection.settings_dict["NAME"]
    connections.close_all()
    with _maintenance() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        for _attempt in range(10):
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
                return True
            except psycopg.errors.ObjectInUse:  # another session on the test database: wait a little
                time.sleep(0.3)
        admin.execute(f'CREATE DATABASE "{name}"')
    return False


def _drop_database(name: str) -> None:
    with _maintenance() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ConsortiumB:
    def __init__(self, tmp_path: Path, database: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.log_path = tmp_path / "b-server.log"
        settings = {**connection.settings_dict, "NAME": database}
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("PYTEST", "CELERY", "UNIONCAT_TESTING"))}
        self.env.update(DATABASE_URL=database_url(settings), ILL_AGENCY_PREFIX=B_PREFIX, DEBUG="false",
                        SECRET_KEY="b-consortium-secret-key-0123456789abcdefghij", UNIONCAT_VAR_DIR=str(tmp_path / "b"),
                        DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT), ILL_PEER_TIMEOUT="20")
        self.server = None

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def shell(self, script: str) -> str:
        return self.manage("shell", "-c", script)

    def start(self) -> None:
        log = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        self.server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                pytest.fail(f"B's server stopped:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"B's server did not answer /healthz:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()


@pytest.fixture
def consortium_b(tmp_path, live_server):
    name = f"{connection.settings_dict['NAME']}_peer_b"[:63]
    copied = _create_database(name)
    b = ConsortiumB(tmp_path, name)
    try:
        if not copied:
            b.manage("upgrade", timeout=600)
        yield b
    finally:
        b.stop()
        connections.close_all()
        _drop_database(name)


# What B's staff do, in B's own process (its supply is found by our request number).
B_SETUP = """
from django_tenants.utils import tenant_context
from tenants.models import Library
from tests.builders import add_items, create_instance
from tenants.catalogue.models import Item
lib = Library.objects.get(code="bmember")
instance = create_instance(lib, title="红楼梦", isbns=["9787020002207"], authors=["曹雪芹"], year=1982)
item = add_items(lib, instance, 1, call_number="I242.47/C3")[0]
with tenant_context(lib):
    Item.objects.filter(pk=item.pk).update(barcode="B0000001")
from django.core.management import call_command
call_command("ill_peer", "members", "--json")
"""
B_STEP = """
import json
from ill.models import Supply, IllMessage
from ill.services.transitions import advance_supply
supply = Supply.objects.get(requester_request_id={number!r})
before = supply.status
for action, values in {steps!r}:
    advance_supply(supply, action, values=values, reason="RequestResponse" if action == "will_supply" else "StatusChange",
                   answer_yes=True if action == "will_supply" else None)
supply.refresh_from_db()
print(json.dumps({{"before": before, "status": supply.status, "messages": [
    {{"direction": m.direction, "kind": m.kind, "status": m.status, "version": m.version, "delivery": m.delivery,
      "body": m.body, "error": m.error}} for m in IllMessage.objects.order_by("pk")]}}))
"""


def b_step(b: ConsortiumB, number: str, steps: list) -> dict:
    out = b.shell(B_STEP.format(number=number, steps=steps))
    return json.loads(out.strip().splitlines()[-1])


def test_two_consortia_complete_a_loan_over_http(consortium_b, live_server, make_library, district_a):
    b = consortium_b
    alpha = make_library("alpha", region=district_a)
    # B: a member with a copy, and consortium A as a peer that speaks 2021.
    b.manage("create_library", "bmember", "--name", "乙联盟馆", "--kind", "high")
    members = json.loads(b.shell(B_SETUP).strip().splitlines()[-1])  # ends with ``ill_peer members --json``
    b_member = next(row for row in members if row["code"] == "bmember")
    assert b_member["agency_id"] == f"{B_PREFIX}-BMEMBER"
    b.manage("ill_peer", "set", alpha.agency_id, "--name", "Consortium A", "--endpoint",
             f"{live_server.url}/iso18626", "--version", "2021", "--inbound-secret", A_TO_B_SECRET,
             "--outbound-secret", B_TO_A_SECRET, "--allow", "127.0.0.1")
    b.start()
    # A: consortium B's member as a peer that speaks 2017.
    peer = peers.configure_peer(agency_id=b_member["agency_id"], agency_id_type=b_member["agency_id_type"],
                                name="Consortium B", endpoint=f"{b.url}/iso18626", version="2017",
                                inbound_secret=B_TO_A_SECRET, outbound_secret=A_TO_B_SECRET,
                                allowed_addresses=["127.0.0.1/32"])

    request = IllRequest.objects.create(
        number=next_request_number(), borrower=alpha, status=IllRequest.Status.SOURCING,
        bib={"title": "红楼梦", "authors": ["曹雪芹"], "isbns": ["9787020002207"]}, needed_by=dt.date(2026, 12, 20))
    peers.offer_to_peer(request, peer)  # the Request goes to B as this commits
    request.refresh_from_db()
    assert (request.status, request.lender_peer) == ("requested", peer)
    sent = IllMessage.objects.get(request=request, kind="Request")
    assert sent.delivery == "sent", (sent.error, b.log_path.read_text())

    seen = b_step(b, request.number, [("will_supply", {}), ("print_pull_slip", {}),
                                      ("ship", {"due_on": "2027-01-15", "item_barcode": "B0000001"})])
    assert seen["status"] == "loaned"
    request.refresh_from_db()
    assert request.status == "shipped" and str(request.lender_due_on) == "2027-01-15"
    assert request.supplier_request_id.startswith("S")

    advance_request(request, "receive")
    advance_request(request, "ship_return")  # ShippedReturn over HTTP
    seen = b_step(b, request.number, [("check_in", {})])
    assert (seen["before"], seen["status"]) == ("return_shipped", "loan_completed")
    request.refresh_from_db()
    assert request.status == "completed" and request.supplier_status == "LoanCompleted"

    # Every message either side kept is valid in its version, and every one sent was taken.
    ours = list(IllMessage.objects.filter(peer=peer))
    theirs = seen["messages"]
    assert {m.kind for m in ours} == {"Request", "SupplyingAgencyMessage", "RequestingAgencyMessage"}
    assert {m["kind"] for m in theirs} == {"Request", "SupplyingAgencyMessage", "RequestingAgencyMessage"}
    for version, body, delivery in [(m.version, m.body, m.delivery) for m in ours] + [
            (m["version"], m["body"], m["delivery"]) for m in theirs]:
        assert validate(body.encode("utf-8"), version) == [], body
        assert delivery == "sent"
    assert {m.version for m in ours if m.direction == "out"} == {"2017"}
    assert {m["version"] for m in theirs if m["direction"] == "out"} == {"2021"}
    assert Peer.objects.count() == 1
