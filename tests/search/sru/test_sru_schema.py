"""SRU 2.0 responses validate against the OASIS searchRetrieve schema (sruResponse.xsd).

The schema comes from the shared test-data folder (``../shared/data/crosslink/sru_xsd``, from a
repository under the AGPL), so it is read from there and the test skips when it is absent. Two
schemas it imports (facetedResults, searchResultAnalysis) are not in that folder; both only
type optional elements we never send, so they are stood in for by open content types.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[3]
XSD_DIR = REPO.parent / "shared" / "data" / "crosslink" / "sru_xsd"
STUB = (
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{ns}">'
    '<xs:complexType name="{type}"><xs:sequence>'
    '<xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>'
    "</xs:sequence></xs:complexType></xs:schema>"
)
STUBS = {
    "facetedResults.xsd": (
        "http://docs.oasis-open.org/ns/search-ws/facetedResults",
        "facetedResultsDefinition",
    ),
    "searchResultAnalysis.xsd": (
        "http://docs.oasis-open.org/ns/search-ws/searchResultAnalysis",
        "searchResultAnalysisDefinition",
    ),
}

pytestmark = [
    pytest.mark.skipif(not (XSD_DIR / "sruResponse.xsd").exists(), reason="../shared/data is not available"),
    pytest.mark.django_db,
]


class _LocalSchemas(etree.Resolver):
    def resolve(self, url, pubid, context):
        name = url.rsplit("/", 1)[-1]
        if (XSD_DIR / name).exists():
            return self.resolve_filename(str(XSD_DIR / name), context)
        if name in STUBS:
            ns, type_name = STUBS[name]
            return self.resolve_string(STUB.format(ns=ns, type=type_name), context)
        return None


@pytest.fixture(scope="module")
def sru_schema():
    parser = etree.XMLParser()
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(XSD_DIR / "sruResponse.xsd"), parser))


def valid(schema, response):
    tree = etree.fromstring(response.content)
    schema.assertValid(tree)
    return tree


def test_explain_is_valid(client, sru_schema):
    valid(sru_schema, client.get("/sru", {"version": "2.0"}))


@pytest.mark.parametrize(
    "params",
    [
        {"query": "dc.title = 西游记"},
        {"query": "dc.publisher = 人民文学出版社", "maximumRecords": "2", "recordSchema": "dc"},
        {"query": "dc.title = 红楼梦", "recordXMLEscaping": "string"},
        {"query": "dc.title = 红楼梦", "recordSchema": "unimarcxml"},  # surrogate diagnostic
        {"query": "dc.title any"},  # fatal diagnostic
        {"query": "dc.title = 红楼梦", "startRecord": "5"},
    ],
)
def test_search_retrieve_responses_are_valid(client, indexed, sru_schema, params):
    tree = valid(sru_schema, client.get("/sru", {"version": "2.0", **params}))
    assert tree.tag == "{http://docs.oasis-open.org/ns/search-ws/sruResponse}searchRetrieveResponse"
