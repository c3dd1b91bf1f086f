"""The standard schemas our OAI-PMH and SRU answers are checked against, for any test to use.

MARC 21 slim ships with the tests. The OAI-PMH and SRU 2.0 schemas come from the shared
test-data folder beside the project; without it these give None and the callers skip.
OAI-PMH wraps metadata in ``processContents="strict"``, so its schema is loaded together with
MARC 21 slim and oai_dc: every record in a harvest page is checked too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
OAI_DIR = SHARED / "oai"
SRU_DIR = SHARED / "crosslink" / "sru_xsd"

# Two schemas sruResponse.xsd imports are not in the shared folder; both type optional elements
# we never send, so open content stands in for them.
_SRU_STUB = (
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{ns}">'
    '<xs:complexType name="{type}"><xs:sequence>'
    '<xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>'
    "</xs:sequence></xs:complexType></xs:schema>"
)
_SRU_STUBS = {
    "facetedResults.xsd": ("http://docs.oasis-open.org/ns/search-ws/facetedResults", "facetedResultsDefinition"),
    "searchResultAnalysis.xsd": (
        "http://docs.oasis-open.org/ns/search-ws/searchResultAnalysis",
        "searchResultAnalysisDefinition",
    ),
}


class _Local(etree.Resolver):
    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):
        name = url.rsplit("/", 1)[-1]
        if (self.folder / name).exists():
            return self.resolve_filename(str(self.folder / name), context)
        if name in _SRU_STUBS:
            ns, type_name = _SRU_STUBS[name]
            return self.resolve_string(_SRU_STUB.format(ns=ns, type=type_name), context)
        return None


@cache
def marc21_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "MARC21slim.xsd")))


@cache
def oai_schema() -> etree.XMLSchema | None:
    if not (OAI_DIR / "OAI-PMH.xsd").exists():
        return None
    bundle = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="http://www.openarchives.org/OAI/2.0/" schemaLocation="{(OAI_DIR / "OAI-PMH.xsd").as_uri()}"/>'
        f'<xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" schemaLocation="{(OAI_DIR / "oai_dc.xsd").as_uri()}"/>'
        f'<xs:import namespace="http://www.loc.gov/MARC21/slim" schemaLocation="{(DATA / "MARC21slim.xsd").as_uri()}"/>'
        "</xs:schema>"
    )
    parser = etree.XMLParser()
    parser.resolvers.add(_Local(OAI_DIR))
    return etree.XMLSchema(etree.fromstring(bundle, parser, base_url=OAI_DIR.as_uri() + "/"))


@cache
def sru2_schema() -> etree.XMLSchema | None:
    if not (SRU_DIR / "sruResponse.xsd").exists():
        return None
    parser = etree.XMLParser()
    parser.resolvers.add(_Local(SRU_DIR))
    return etree.XMLSchema(etree.parse(str(SRU_DIR / "sruResponse.xsd"), parser))
