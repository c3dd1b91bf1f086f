"""SRU 1.2 / 2.0: explain, searchRetrieve over the real search backend, diagnostics, paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

NS = {
    "srw": "http://www.loc.gov/zing/srw/",
    "diag": "http://www.loc.gov/zing/srw/diagnostic/",
    "sru": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
    "diag2": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
    "zr": "http://explain.z3950.org/dtd/2.0/",
    "m": "http://www.loc.gov/MARC21/slim",
    "u": "http://www.bncf.firenze.sbn.it/unimarc/slim",
    "dc": "http://purl.org/dc/elements/1.1/",
    "srw_dc": "info:srw/schema/1/dc-schema",
}
MARC_XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "MARC21slim.xsd")))


def sru(client, **params):
    response = client.get("/sru", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return etree.fromstring(response.content)


def sru12(client, query, **params):
    return sru(client, version="1.2", operation="searchRetrieve", query=query, **params)


def diagnostics(tree) -> list[str]:
    return tree.xpath(
        "//diag:diagnostic/diag:uri/text() | //diag2:diagnostic/diag2:uri/text()", namespaces=NS
    )


def count(tree) -> int:
    return int(tree.xpath("string(/*/srw:numberOfRecords | /*/sru:numberOfRecords)", namespaces=NS))


def marc_titles(tree) -> list[str]:
    return tree.xpath("//m:record/m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=NS)


# --- explain and diagnostics (no search needed) ------------------------------------------------


@pytest.mark.django_db
def test_the_base_url_answers_with_a_zeerex_explain_record(client):
    tree = sru(client)
    assert tree.tag == "{http://docs.oasis-open.org/ns/search-ws/sruResponse}explainResponse"
    assert tree.findtext("sru:version", namespaces=NS) == "2.0"
    indexes = tree.xpath("//zr:indexInfo/zr:index/@id", namespaces=NS)
    assert {"cql.anywhere", "dc.title", "dc.creator", "dc.subject", "bath.isbn"} <= set(indexes)
    schemas = tree.xpath("//zr:schemaInfo/zr:schema/@name", namespaces=NS)
    assert schemas == ["marcxml", "dc", "unimarcxml"]


@pytest.mark.django_db
def test_a_1_2_explain_uses_the_srw_namespace(client):
    tree = sru(client, version="1.2", operation="explain")
    assert tree.tag == "{http://www.loc.gov/zing/srw/}explainResponse"
    assert tree.findtext("srw:version", namespaces=NS) == "1.2"
    assert tree.findtext("srw:record/srw:recordPacking", namespaces=NS) == "xml"
    assert tree.find("srw:record/srw:recordData/zr:explain", NS) is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"query": "dc.title any"}, 10),
        ({"query": "(红楼梦"}, 10),
        ({"query": "dc.fish = 1"}, 16),
        ({"query": "a prox b"}, 37),
        ({"query": ""}, 7),
        ({"query": "红楼梦", "startRecord": "0"}, 6),
        ({"query": "红楼梦", "maximumRecords": "many"}, 6),
        ({"query": "红楼梦", "recordSchema": "mods"}, 66),
        ({"query": "红楼梦", "recordPacking": "json"}, 71),
        ({"query": "红楼梦", "color": "blue"}, 8),
    ],
)
def test_bad_requests_get_a_diagnostic_not_an_error_page(client, params, code):
    tree = sru12(client, **params)
    assert tree.tag == "{http://www.loc.gov/zing/srw/}searchRetrieveResponse"
    assert diagnostics(tree) == [f"info:srw/diagnostic/1/{code}"]
    assert count(tree) == 0
    assert tree.find("srw:records", NS) is None


@pytest.mark.django_db
def test_2_0_diagnostics_use_the_oasis_namespaces(client):
    tree = sru(client, version="2.0", query="dc.title any")
    assert tree.tag == "{http://docs.oasis-open.org/ns/search-ws/sruResponse}searchRetrieveResponse"
    assert tree.xpath("//diag2:diagnostic/diag2:uri/text()", namespaces=NS) == ["info:srw/diagnostic/1/10"]


@pytest.mark.django_db
def test_unsupported_versions_and_operations_are_diagnosed(client):
    assert diagnostics(sru(client, version="3.0")) == ["info:srw/diagnostic/1/5"]
    assert diagnostics(sru(client, version="1.2", operation="scan", scanClause="dc.title=a")) == [
        "info:srw/diagnostic/1/4"
    ]


# --- searchRetrieve against the real backend ---------------------------------------------------


@pytest.mark.django_db
def test_search_retrieve_finds_a_chinese_title_as_marcxml(client, indexed):
    tree = sru12(client, "dc.title = 西游记")
    assert count(tree) == 1
    assert marc_titles(tree) == ["西游记"]
    record = tree.find(".//srw:record", NS)
    assert record.findtext("srw:recordSchema", namespaces=NS) == "info:srw/schema/1/marcxml-v1.1"
    assert record.findtext("srw:recordPosition", namespaces=NS) == "1"
    MARC_XSD.assertValid(etree.fromstring(etree.tostring(record.find(".//m:record", NS))))


@pytest.mark.django_db
def test_search_retrieve_supports_the_main_indexes_and_booleans(client, indexed):
    assert marc_titles(sru12(client, "dc.creator = 曹雪芹")) == ["红楼梦"]
    assert marc_titles(sru12(client, "bath.isbn = 9787020008728")) == ["三国演义"]
    assert marc_titles(sru12(client, "bath.isbn = 7-02-000872-5")) == ["三国演义"]  # ISBN-10 form
    assert count(sru12(client, "dc.subject = 古典小说")) == 3
    assert sorted(marc_titles(sru12(client, "dc.title = 红楼梦 or dc.title = 水浒传"))) == [
        "水浒传",
        "红楼梦",
    ]
    assert count(sru12(client, "dc.publisher = 人民文学出版社 not dc.creator = 曹雪芹")) == 3
    assert marc_titles(sru12(client, "dc.publisher = 高等教育出版社 and (dc.title = 线性代数)")) == [
        "线性代数"
    ]
    assert marc_titles(sru12(client, 'cql.anywhere = "journey to the west"')) == ["Journey to the West"]


@pytest.mark.django_db
def test_search_retrieve_pages_with_start_record_and_next_record_position(client, indexed):
    first = sru12(client, "dc.publisher = 人民文学出版社 sortby dc.date", maximumRecords="2")
    assert count(first) == 4
    assert first.findtext("srw:nextRecordPosition", namespaces=NS) == "3"
    assert marc_titles(first) == ["水浒传", "西游记"]  # 1975, 1980
    second = sru12(
        client, "dc.publisher = 人民文学出版社 sortby dc.date", maximumRecords="2", startRecord="3"
    )
    assert marc_titles(second) == ["红楼梦", "三国演义"]
    assert second.xpath("//srw:recordPosition/text()", namespaces=NS) == ["3", "4"]
    assert second.find("srw:nextRecordPosition", NS) is None
    past = sru12(client, "dc.publisher = 人民文学出版社", startRecord="9")
    assert diagnostics(past) == ["info:srw/diagnostic/1/61"]
    assert count(past) == 4


@pytest.mark.django_db
def test_search_retrieve_gives_dublin_core_and_string_packing(client, indexed):
    tree = sru12(client, "dc.title = 红楼梦", recordSchema="dc")
    assert tree.xpath("//srw_dc:dc/dc:creator/text()", namespaces=NS) == ["曹雪芹"]
    tree = sru12(client, "dc.title = 红楼梦", recordPacking="string")
    data = tree.findtext(".//srw:recordData", namespaces=NS)
    assert "<leader>" in data or "leader" in data
    assert marc_titles(etree.fromstring(data).getroottree()) == ["红楼梦"]


@pytest.mark.django_db
def test_unimarc_is_given_for_cnmarc_masters_and_a_surrogate_diagnostic_otherwise(client, indexed):
    tree = sru12(client, "dc.title = 中国发展报告", recordSchema="unimarcxml")
    assert tree.xpath("//u:datafield[@tag='200']/u:subfield[@code='a']/text()", namespaces=NS) == [
        "'94中国发展报告"
    ]
    tree = sru12(client, "dc.title = 红楼梦", recordSchema="unimarcxml")
    record = tree.find(".//srw:record", NS)
    assert record.findtext("srw:recordSchema", namespaces=NS) == "info:srw/schema/1/diagnostics-v1.1"
    assert diagnostics(tree) == ["info:srw/diagnostic/1/67"]


@pytest.mark.django_db
def test_sru_2_0_search_retrieve(client, indexed):
    tree = sru(client, version="2.0", query="dc.title = 水浒传", recordXMLEscaping="xml")
    assert tree.findtext("sru:numberOfRecords", namespaces=NS) == "1"
    assert tree.findtext(".//sru:record/sru:recordXMLEscaping", namespaces=NS) == "xml"
    assert marc_titles(tree) == ["水浒传"]


@pytest.mark.django_db
def test_date_ranges_narrow_the_search(client, indexed):
    tree = sru12(client, "dc.publisher = 人民文学出版社 and dc.date >= 1980 and dc.date <= 1985")
    assert sorted(marc_titles(tree)) == ["红楼梦", "西游记"]
