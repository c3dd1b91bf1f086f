"""A member's own item data (barcode, price, acquisition date, staff note in Koha's 952, its
private acquisition note) never leaves the library through the public services: anonymous
OAI-PMH, SRU and the union export carry the bibliographic record and the consortium's holdings
summary only. The library's own staff export still gives its record whole."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context
from lxml import etree
from pymarc import Field, Indicators, Record, Subfield

from marc_import.services import export as local_export
from marc_import.services.importer import import_file
from search.backends import get_backend
from search.documents import document_for
from tenants.catalogue.models import Instance, Item
from tests.builders import sync
from tests.search import schemas
from union.models import UnionHolding, UnionRecord
from union.services import export as union_export

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "m": "http://www.loc.gov/MARC21/slim",
    "u": "http://www.bncf.firenze.sbn.it/unimarc/slim",
    "srw": "http://www.loc.gov/zing/srw/",
}
BARCODE, PRICE, ACQUIRED, NOTE = "SECRET0042", "88.88", "2021-03-04", "staff only: spine taped"
DONOR = "bought from Dragon Books for 88.88"
PRIVATE = (BARCODE, PRICE, ACQUIRED, NOTE, DONOR)
pytestmark = pytest.mark.django_db


def koha_record() -> bytes:
    record = Record(leader="00000nam a2200000 a 4500", force_utf8=True)
    record.add_field(Field(tag="001", data="koha-private-1"))
    record.add_field(Field(tag="008", data="240101s2021    cc            000 0 chi d"))
    record.add_field(Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", "鲁迅")]))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", "呐喊")]))
    record.add_field(Field(tag="264", indicators=Indicators(" ", "1"),
                           subfields=[Subfield("b", "人民文学出版社"), Subfield("c", "2021")]))
    record.add_field(Field(tag="541", indicators=Indicators("0", " "), subfields=[Subfield("a", DONOR)]))
    record.add_field(Field(tag="952", indicators=Indicators(" ", " "), subfields=[
        Subfield("a", "MAIN"), Subfield("c", "STACKS"), Subfield("o", "I210.2/L9"), Subfield("p", BARCODE),
        Subfield("g", PRICE), Subfield("d", ACQUIRED), Subfield("x", NOTE)]))
    return record.as_marc()


@pytest.fixture
def published(library_a, tmp_path):
    """呐喊, imported into alpha from a Koha export with one 952 item, synced and indexed."""
    path = tmp_path / "koha.mrc"
    path.write_bytes(koha_record())
    job = import_file(library_a, path)
    assert (job.created, job.rejected) == (1, 0)
    with tenant_context(library_a):
        assert Item.objects.get().barcode == BARCODE  # the library keeps its item
    sync()
    holding = UnionHolding.objects.get(library=library_a)
    record = holding.union_record
    assert BARCODE.encode() in bytes(record.marc)  # the master record as the library gave it
    backend = get_backend()
    backend.ensure_index()
    backend.clear()
    backend.index([document_for(record)])
    yield record
    backend.clear()


def assert_public(content: bytes) -> None:
    text = content.decode("utf-8")
    assert "呐喊" in text
    for secret in PRIVATE:
        assert secret not in text


def summary_852(marc) -> list[list[str]]:
    return [f.xpath("m:subfield/text()", namespaces=NS) for f in marc.xpath("m:datafield[@tag='852']",
                                                                            namespaces=NS)]


def test_oai_get_record_carries_the_holdings_summary_not_the_items(client, published):
    response = client.get("/oai", {"verb": "GetRecord", "metadataPrefix": "marc21",
                                   "identifier": f"oai:unioncat.local:{published.urid}"})
    assert response.status_code == 200
    assert_public(response.content)
    tree = etree.fromstring(response.content)
    if schemas.oai_schema() is not None:
        schemas.oai_schema().assertValid(tree)
    (marc,) = tree.xpath("//m:record", namespaces=NS)
    assert not marc.xpath("m:datafield[@tag='952' or @tag='541']", namespaces=NS)
    assert summary_852(marc) == [["alpha", "ALPHA", "I210.2/L9", "1", "available 1"]]


@pytest.mark.parametrize("prefix", ["marc21", "oai_dc"])
def test_oai_list_records_carries_no_item_data(client, published, prefix):
    response = client.get("/oai", {"verb": "ListRecords", "metadataPrefix": prefix})
    assert response.status_code == 200
    assert_public(response.content)


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_sru_search_retrieve_carries_no_item_data(client, published, version):
    params = {"version": version, "query": "dc.title = 呐喊"}
    if version == "1.2":
        params["operation"] = "searchRetrieve"
    response = client.get("/sru", params)
    assert response.status_code == 200
    assert_public(response.content)
    marc = etree.fromstring(response.content).xpath("//m:record", namespaces=NS)
    assert len(marc) == 1
    assert summary_852(marc[0])[0][0] == "alpha"


@pytest.mark.parametrize("syntax", ["marcxml", "iso2709"])
def test_the_union_export_carries_no_item_data(published, syntax):
    data = b"".join(union_export.export(UnionRecord.objects.filter(pk=published.pk), "marc21", syntax))
    assert_public(data)


def test_the_librarys_own_staff_export_still_has_its_items(library_a, published):
    with tenant_context(library_a):
        data = local_export.to_marcxml(Instance.objects.all())
    text = data.decode("utf-8")
    assert BARCODE in text and PRICE in text and NOTE in text


def test_a_cnmarc_master_is_published_without_its_905_906_items(client, catalogue):
    assert b"1683011" in bytes(catalogue["U0009"].marc)
    response = client.get("/oai", {"verb": "GetRecord", "metadataPrefix": "unimarc",
                                   "identifier": "oai:unioncat.local:U0009"})
    assert response.status_code == 200
    assert b"1683011" not in response.content and b"211260" not in response.content
    (marc,) = etree.fromstring(response.content).xpath("//u:record", namespaces=NS)
    tags = marc.xpath("u:datafield/@tag", namespaces=NS)
    assert not {"906", "909", "935", "988", "995", "998", "999"} & set(tags)
    (holdings,) = marc.xpath("u:datafield[@tag='905']", namespaces=NS)
    assert holdings.xpath("u:subfield/text()", namespaces=NS) == ["beta", "F124/1", "1"]


def test_a_library_that_copies_the_record_gets_no_item_data_of_the_master_library(published, library_b, make_user):
    from tenants.models import Role
    from union.services.cataloguing import copy_to_library

    cataloguer = make_user("cat_b", Role.CATALOGUER, library=library_b)
    instance_id = copy_to_library(published, library_b, cataloguer)
    with tenant_context(library_b):
        raw = bytes(Instance.objects.get(pk=instance_id).raw_record)
    assert "呐喊".encode() in raw
    for secret in PRIVATE:
        assert secret.encode() not in raw
