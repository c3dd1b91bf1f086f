"""SRU, OAI-PMH and the union export file serialise MARC with the same serialiser: for the same
union record they give the same MARCXML <record> element, valid against the MARC 21 slim schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from union.models import UnionHolding, UnionRecord
from union.services import export

NS = {
    "srw": "http://www.loc.gov/zing/srw/",
    "o": "http://www.openarchives.org/OAI/2.0/",
    "m": "http://www.loc.gov/MARC21/slim",
    "u": "http://www.bncf.firenze.sbn.it/unimarc/slim",
}
XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
MARC_XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "MARC21slim.xsd")))


def canonical(element) -> bytes:
    """The element alone: only the namespaces it uses, without the schema hint OAI-PMH adds."""
    element = etree.fromstring(etree.tostring(element))
    element.attrib.pop(XSI_LOCATION, None)
    return etree.tostring(element, method="c14n", exclusive=True)


def from_sru(client, query: str, schema: str = "marcxml"):
    """The one record the query finds."""
    response = client.get("/sru", {"version": "1.2", "operation": "searchRetrieve", "query": query,
                                   "recordSchema": schema})
    (record,) = etree.fromstring(response.content).xpath("//srw:recordData/*", namespaces=NS)
    return record


def from_oai(client, urid: str, prefix: str = "marc21"):
    response = client.get("/oai", {"verb": "GetRecord", "identifier": f"oai:unioncat.local:{urid}",
                                   "metadataPrefix": prefix})
    return etree.fromstring(response.content).find(".//o:metadata/*", NS)


@pytest.mark.django_db
def test_the_export_file_sru_and_oai_pmh_give_the_same_marcxml_record(client, indexed):
    # A union record without a stored master is written from its fields everywhere; without
    # holdings, the export has no 852 that SRU and OAI-PMH leave out.
    record = indexed["U0006"]
    UnionRecord.objects.filter(pk=record.pk).update(marc=b"")
    UnionHolding.objects.filter(union_record=record).delete()
    document = b"".join(export.export(UnionRecord.objects.filter(pk=record.pk), "marc21", "marcxml"))
    assert export.validate_marcxml(document) == []
    (exported,) = etree.fromstring(document)
    sru, oai = from_sru(client, "dc.title = 高等数学"), from_oai(client, "U0006")
    assert canonical(exported) == canonical(sru) == canonical(oai)
    assert exported.xpath("m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=NS) == ["高等数学"]
    MARC_XSD.assertValid(etree.fromstring(canonical(oai)))


@pytest.mark.django_db
@pytest.mark.parametrize(("urid", "query", "schema", "prefix"), [
    ("U0001", "dc.title = 西游记", "marcxml", "marc21"),
    ("U0009", "dc.title = 中国发展报告", "marcxml", "marc21"),
    ("U0009", "dc.title = 中国发展报告", "unimarcxml", "unimarc"),
])
def test_sru_and_oai_pmh_give_the_same_record_for_stored_masters(client, indexed, urid, query, schema, prefix):
    sru, oai = from_sru(client, query, schema), from_oai(client, urid, prefix)
    assert canonical(sru) == canonical(oai)
    assert len(sru) > 5
