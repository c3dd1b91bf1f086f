"""The one MARCXML serialiser: namespaces, schemaLocation, text XML cannot hold, and collections
that validate against the MARC 21 slim schema. Pure: no database."""

from __future__ import annotations

from pathlib import Path

import pymarc
import pytest
from lxml import etree

from marc_import import marcxml

MARC21_XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[2] / "union" / "MARC21slim.xsd")))


def damaged() -> pymarc.Record:
    record = pymarc.Record(force_utf8=True, leader="00000nam a2200000 i 4500")
    record.add_field(pymarc.Field(tag="001", data="U\x1f0001"))
    record.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"), subfields=[
        pymarc.Subfield("a", "红楼梦\x0b\x00"), pymarc.Subfield("c", "曹雪芹\ufffe著 <一> & 二")]))
    return record


def test_text_xml_cannot_hold_is_dropped_and_the_rest_kept():
    element = marcxml.record_element(damaged())
    data = etree.tostring(element, encoding="utf-8")
    parsed = etree.fromstring(data)
    ns = {"m": marcxml.MARC21_NS}
    assert parsed.xpath("m:controlfield[@tag='001']/text()", namespaces=ns) == ["U0001"]
    assert parsed.xpath("m:datafield/m:subfield/text()", namespaces=ns) == ["红楼梦", "曹雪芹著 <一> & 二"]
    MARC21_XSD.assertValid(parsed)


@pytest.mark.parametrize(("namespace", "location"), [(marcxml.MARC21_NS, marcxml.MARC21_XSD),
                                                     (marcxml.UNIMARC_NS, marcxml.UNIMARC_XSD)])
def test_a_record_declares_its_namespace_and_its_schema_when_asked(namespace, location):
    plain = marcxml.record_element(damaged(), namespace)
    assert plain.tag == f"{{{namespace}}}record" and plain.nsmap == {None: namespace}
    assert plain.get(f"{{{marcxml.XSI_NS}}}schemaLocation") is None
    located = marcxml.record_element(damaged(), namespace, location)
    assert located.get(f"{{{marcxml.XSI_NS}}}schemaLocation") == f"{namespace} {location}"
    assert [child.tag for child in located] == [f"{{{namespace}}}{name}" for name in
                                                ("leader", "controlfield", "datafield")]


def test_a_collection_streams_records_that_inherit_its_namespace():
    chunks = list(marcxml.collection([damaged(), damaged()]))
    assert len(chunks) == 4  # prologue, two records, end tag
    assert all(chunk.startswith(b"<record>") for chunk in chunks[1:3])
    document = etree.fromstring(b"".join(chunks))
    MARC21_XSD.assertValid(document)
    assert [etree.tostring(r, method="c14n", exclusive=True) for r in document] == [
        etree.tostring(marcxml.record_element(damaged()), method="c14n", exclusive=True)] * 2


def test_an_empty_collection_is_still_a_document():
    document = etree.fromstring(b"".join(marcxml.collection([])))
    assert document.tag == f"{{{marcxml.MARC21_NS}}}collection" and len(document) == 0
