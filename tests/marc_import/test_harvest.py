"""OAI-PMH harvesting against a small OAI-PMH responder on 127.0.0.1 (an external system's role),
serving the ZDB OAI-PMH fixture in pages with resumption tokens and honouring ``from``."""

from __future__ import annotations

import copy
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context
from lxml import etree

from marc_import.exceptions import HarvestError
from marc_import.models import HarvestState
from marc_import.services.harvest import harvest
from tenants.catalogue.models import Instance
from tests.marc_import.conftest import FILES

OAI = "http://www.openarchives.org/OAI/2.0/"
PAGE = 20


class Repository:
    def __init__(self):
        tree = etree.parse(str(FILES / "zdb-oai-marc.xml"))
        self.records = tree.findall(f".//{{{OAI}}}ListRecords/{{{OAI}}}record")
        self.requests = []

    def datestamp(self, rec):
        return rec.find(f"{{{OAI}}}header/{{{OAI}}}datestamp").text

    def page(self, params):
        since = params.get("from", [""])[0]
        token = params.get("resumptionToken", [""])[0]
        start = int(token.split(":")[1]) if token else 0
        since = token.split(":")[0] if token else since
        matching = sorted((r for r in self.records if self.datestamp(r) >= since), key=self.datestamp)
        root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI})
        etree.SubElement(root, f"{{{OAI}}}responseDate").text = "2024-01-01T00:00:00Z"
        etree.SubElement(root, f"{{{OAI}}}request", verb="ListRecords").text = "http://127.0.0.1/oai"
        if not matching:
            etree.SubElement(root, f"{{{OAI}}}error", code="noRecordsMatch").text = "none"
            return etree.tostring(root)
        body = etree.SubElement(root, f"{{{OAI}}}ListRecords")
        for rec in matching[start : start + PAGE]:
            body.append(copy.deepcopy(rec))
        if start + PAGE < len(matching):
            etree.SubElement(body, f"{{{OAI}}}resumptionToken").text = f"{since}:{start + PAGE}"
        else:
            etree.SubElement(body, f"{{{OAI}}}resumptionToken")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def oai_server():
    repo = Repository()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            params = parse_qs(urlparse(self.path).query)
            repo.requests.append(params)
            if urlparse(self.path).path != "/oai":
                self.send_error(404)
                return
            data = repo.page(params)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    repo.url = f"http://127.0.0.1:{server.server_address[1]}/oai"
    yield repo
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_harvest_is_incremental_by_datestamp(library_a, oai_server):
    first = harvest(library_a, oai_server.url)
    assert (first.read, first.created) == (50, 50)
    assert first.read == first.created + first.updated + first.unchanged + first.deleted + first.rejected
    assert sum(1 for r in oai_server.requests if "resumptionToken" in r) == 2  # 3 pages
    with tenant_context(library_a):
        state = HarvestState.objects.get(url=oai_server.url)
        assert state.last_datestamp == max(oai_server.datestamp(r) for r in oai_server.records)
        assert Instance.objects.count() == 50
    # Next time only records from the stored datestamp on are asked for, and nothing changes.
    second = harvest(library_a, oai_server.url)
    assert oai_server.requests[-1]["from"] == [state.last_datestamp]
    assert second.read < 50 and second.unchanged == second.read and second.created == 0
    # A record changed at the source with a newer datestamp is updated.
    rec = oai_server.records[0]
    rec.find(f"{{{OAI}}}header/{{{OAI}}}datestamp").text = "2030-01-01T00:00:00Z"
    title = rec.find(".//{http://www.loc.gov/MARC21/slim}datafield[@tag='245']/{http://www.loc.gov/MARC21/slim}subfield")
    title.text = "Geänderter Titel"
    third = harvest(library_a, oai_server.url)
    assert third.updated == 1
    with tenant_context(library_a):
        assert Instance.objects.filter(title="Geänderter Titel").count() == 1


@pytest.mark.django_db
def test_deleted_header_withdraws_the_record(library_a, oai_server):
    harvest(library_a, oai_server.url)
    rec = oai_server.records[1]
    header = rec.find(f"{{{OAI}}}header")
    header.set("status", "deleted")
    header.find(f"{{{OAI}}}datestamp").text = "2031-01-01T00:00:00Z"
    cn = header.find(f"{{{OAI}}}identifier").text.rsplit("/", 1)[-1]
    job = harvest(library_a, oai_server.url)
    assert job.deleted == 1
    with tenant_context(library_a):
        assert Instance.objects.get(control_number=cn).deleted is True


@pytest.mark.django_db
def test_harvest_command_prints_counts_and_reports_unreachable_servers(library_a, oai_server):
    out = io.StringIO()
    call_command("harvest_oai", "alpha", oai_server.url, "--metadata-prefix", "marc21", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["created"] == 50
    with pytest.raises(HarvestError):
        harvest(library_a, oai_server.url.replace("/oai", "/missing"), full=True)
    with pytest.raises(CommandError):
        call_command("harvest_oai", "nosuch", oai_server.url)
