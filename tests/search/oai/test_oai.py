"""The OAI-PMH provider answers every verb and error, and sickle harvests it across pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import signing
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import BadResumptionToken, NoRecordsMatch

from search.oai.views import TOKEN_SALT
from union.models import UnionRecord

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "m": "http://www.loc.gov/MARC21/slim",
    "u": "http://www.bncf.firenze.sbn.it/unimarc/slim",
}
MARC_XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "MARC21slim.xsd")))


def oai(client, **params):
    response = client.get("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return etree.fromstring(response.content)


def error_code(tree) -> str | None:
    errors = tree.xpath("/o:OAI-PMH/o:error/@code", namespaces=NS)
    return errors[0] if errors else None


def test_identify_describes_the_repository(client, catalogue):
    tree = oai(client, verb="Identify")
    assert tree.findtext("o:Identify/o:protocolVersion", namespaces=NS) == "2.0"
    assert tree.findtext("o:Identify/o:deletedRecord", namespaces=NS) == "persistent"
    assert tree.findtext("o:Identify/o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert tree.findtext("o:Identify/o:baseURL", namespaces=NS).endswith("/oai")
    earliest = min(r.updated_at for r in UnionRecord.objects.all())
    assert tree.findtext("o:Identify/o:earliestDatestamp", namespaces=NS) == earliest.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert tree.find("o:request", NS).get("verb") == "Identify"


def test_list_sets_gives_one_set_per_library(client, catalogue):
    tree = oai(client, verb="ListSets")
    specs = tree.xpath("//o:set/o:setSpec/text()", namespaces=NS)
    assert specs == ["library:alpha", "library:beta"]


def test_list_metadata_formats_depends_on_the_master_format(client, catalogue):
    every = oai(client, verb="ListMetadataFormats").xpath("//o:metadataPrefix/text()", namespaces=NS)
    assert {"oai_dc", "marc21"} <= set(every)
    marc21_master = oai(client, verb="ListMetadataFormats", identifier="oai:unioncat.local:U0001")
    assert "unimarc" not in marc21_master.xpath("//o:metadataPrefix/text()", namespaces=NS)
    cnmarc_master = oai(client, verb="ListMetadataFormats", identifier="oai:unioncat.local:U0009")
    assert "unimarc" in cnmarc_master.xpath("//o:metadataPrefix/text()", namespaces=NS)


def test_get_record_serves_dublin_core_and_valid_marcxml(client, catalogue):
    tree = oai(client, verb="GetRecord", identifier="oai:unioncat.local:U0001", metadataPrefix="oai_dc")
    assert tree.xpath("//dc:title/text()", namespaces=NS) == ["西游记"]
    assert tree.xpath("//dc:creator/text()", namespaces=NS) == ["吴承恩"]
    assert "urn:isbn:9787020008735" in tree.xpath("//dc:identifier/text()", namespaces=NS)
    assert tree.xpath("//o:header/o:setSpec/text()", namespaces=NS) == ["library:alpha"]

    tree = oai(client, verb="GetRecord", identifier="oai:unioncat.local:U0003", metadataPrefix="marc21")
    marc = tree.find(".//m:record", NS)
    MARC_XSD.assertValid(etree.fromstring(etree.tostring(marc)))
    assert marc.xpath("m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=NS) == ["三国演义"]
    assert tree.xpath("//o:header/o:setSpec/text()", namespaces=NS) == ["library:alpha", "library:beta"]


def test_a_cnmarc_master_is_faithful_as_unimarc_and_minimal_as_marc21(client, catalogue):
    tree = oai(client, verb="GetRecord", identifier="oai:unioncat.local:U0009", metadataPrefix="unimarc")
    title = tree.xpath("//u:datafield[@tag='200']/u:subfield[@code='a']/text()", namespaces=NS)
    assert title == ["'94中国发展报告"]
    tree = oai(client, verb="GetRecord", identifier="oai:unioncat.local:U0009", metadataPrefix="marc21")
    marc = tree.find(".//m:record", NS)
    MARC_XSD.assertValid(etree.fromstring(etree.tostring(marc)))
    assert marc.xpath("m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=NS) == [
        "'94中国发展报告"
    ]
    assert marc.xpath("m:datafield[@tag='588']/m:subfield/text()", namespaces=NS)  # says it is minimal
    assert marc.xpath("m:datafield[@tag='084']/m:subfield[@code='a']/text()", namespaces=NS) == ["F124"]
    assert (
        error_code(
            oai(client, verb="GetRecord", identifier="oai:unioncat.local:U0001", metadataPrefix="unimarc")
        )
        == "cannotDisseminateFormat"
    )


def test_deleted_records_stay_as_deleted_headers(client, catalogue):
    UnionRecord.objects.filter(urid="U0002").update(deleted=True)
    tree = oai(client, verb="GetRecord", identifier="oai:unioncat.local:U0002", metadataPrefix="oai_dc")
    header = tree.find(".//o:header", NS)
    assert header.get("status") == "deleted"
    assert tree.find(".//o:metadata", NS) is None


def test_from_and_until_select_by_datestamp(client, catalogue):
    old = dt.datetime(2020, 5, 1, 12, 0, tzinfo=dt.UTC)
    UnionRecord.objects.filter(urid__in=["U0001", "U0002"]).update(updated_at=old)
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2020-05-01")
    assert tree.xpath("//o:header/o:identifier/text()", namespaces=NS) == [
        "oai:unioncat.local:U0001",
        "oai:unioncat.local:U0002",
    ]
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2020-05-01T11:59:59Z")
    assert error_code(tree) == "noRecordsMatch"
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2020-05-02"})
    assert len(tree.xpath("//o:header", namespaces=NS)) == 7


def test_a_set_selects_the_records_a_library_holds(client, catalogue):
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:beta")
    urids = [i.rsplit(":", 1)[1] for i in tree.xpath("//o:header/o:identifier/text()", namespaces=NS)]
    assert set(urids) == {"U0002", "U0003", "U0005", "U0006", "U0008", "U0009"}
    assert (
        error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="library:nowhere"))
        == "noRecordsMatch"
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Dance"}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01",
                "until": "2021-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-02", "until": "2021-01-01"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "identifier": "oai:unioncat.local:U9999", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "identifier": "oai:elsewhere:U0001", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "nope"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "resumptionToken": "forged-token"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
    ],
)
def test_it_answers_bad_requests_with_oai_errors(client, catalogue, params, code):
    tree = oai(client, **params)
    assert error_code(tree) == code
    if code in ("badVerb", "badArgument"):
        assert dict(tree.find("o:request", NS).attrib) == {}


def test_repeated_arguments_are_bad(client, catalogue):
    tree = etree.fromstring(client.get("/oai?verb=Identify&verb=Identify").content)
    assert error_code(tree) == "badArgument"


def test_post_requests_work_like_get(client, catalogue):
    response = client.post("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    tree = etree.fromstring(response.content)
    assert len(tree.xpath("//o:header", namespaces=NS)) == 9


def test_an_expired_resumption_token_is_refused(client, catalogue, settings):
    settings.OAI_PAGE_SIZE = 2
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = tree.findtext(".//o:resumptionToken", namespaces=NS)
    assert token
    settings.OAI_TOKEN_MAX_AGE = -1
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    settings.OAI_TOKEN_MAX_AGE = 3600
    assert error_code(oai(client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    state = signing.loads(token, salt=TOKEN_SALT)
    assert state["cursor"] == 2 and state["prefix"] == "oai_dc"


def test_sickle_harvests_every_record_across_resumption_pages(live_server, catalogue, settings):
    settings.OAI_PAGE_SIZE = 2
    UnionRecord.objects.filter(urid="U0004").update(deleted=True)
    sickle = Sickle(live_server.url + "/oai", max_retries=0)
    assert sickle.Identify().repositoryName

    harvested = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    assert len(harvested) == 9  # five pages of two
    urids = [r.header.identifier.rsplit(":", 1)[1] for r in harvested]
    assert sorted(urids) == [f"U000{n}" for n in range(1, 10)]
    deleted = [r for r in harvested if r.header.deleted]
    assert [r.header.identifier for r in deleted] == ["oai:unioncat.local:U0004"]
    titles = {r.metadata["title"][0] for r in harvested if not r.header.deleted}
    assert {"西游记", "红楼梦", "Journey to the West"} <= titles

    marc = list(sickle.ListRecords(metadataPrefix="marc21", set="library:alpha", ignore_deleted=True))
    assert len(marc) == 4  # five held by alpha, one of them deleted
    for record in marc:
        MARC_XSD.assertValid(etree.fromstring(etree.tostring(record.xml.find(".//m:record", NS))))

    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="library:beta"))
    assert len(headers) == 6
    sets = [s.setSpec for s in sickle.ListSets()]
    assert sets == ["library:alpha", "library:beta"]

    with pytest.raises(NoRecordsMatch):
        list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "2999-01-01"}))
    with pytest.raises(BadResumptionToken):
        list(sickle.ListRecords(resumptionToken="made-up"))
