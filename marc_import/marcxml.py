"""pymarc records as MARC slim XML: the one serialiser of the export files, SRU and OAI-PMH.

MARC 21 records go in the MARC 21 slim namespace; UNIMARC records served as UNIMARC go in the
UNIMARC slim namespace (the same element names). Text that XML 1.0 cannot hold, which damaged
records sometimes carry, is dropped rather than failing the whole answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pymarc
from lxml import etree

MARC21_NS = "http://www.loc.gov/MARC21/slim"
MARC21_XSD = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
UNIMARC_NS = "http://www.bncf.firenze.sbn.it/unimarc/slim"
UNIMARC_XSD = "http://www.bncf.firenze.sbn.it/unimarc/slim/unimarcslim.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# Everything outside the XML 1.0 Char production.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """``value`` as text XML 1.0 can hold."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("", text)


def _build(record: pymarc.Record, namespace: str | None, nsmap: dict | None = None) -> etree._Element:
    def name(local: str) -> str:
        return f"{{{namespace}}}{local}" if namespace else local

    root = etree.Element(name("record"), nsmap=nsmap)
    etree.SubElement(root, name("leader")).text = xml_text(record.leader)
    for field in record.fields:
        if field.is_control_field():
            etree.SubElement(root, name("controlfield"), tag=field.tag).text = xml_text(field.data)
            continue
        ind1, ind2 = (list(field.indicators or ()) + [" ", " "])[:2]
        node = etree.SubElement(root, name("datafield"), tag=field.tag,
                                ind1=xml_text(ind1)[:1] or " ", ind2=xml_text(ind2)[:1] or " ")
        for sub in field.subfields:
            etree.SubElement(node, name("subfield"), code=xml_text(sub.code)).text = xml_text(sub.value)
    return root


def record_element(record: pymarc.Record, namespace: str = MARC21_NS,
                   schema_location: str | None = None) -> etree._Element:
    """A ``<record>`` element declaring its namespace, with ``xsi:schemaLocation`` when given."""
    nsmap = {None: namespace}
    if schema_location:
        nsmap["xsi"] = XSI_NS
    root = _build(record, namespace, nsmap)
    if schema_location:
        root.set(f"{{{XSI_NS}}}schemaLocation", f"{namespace} {schema_location}")
    return root


def collection(records: Iterable[pymarc.Record], namespace: str = MARC21_NS) -> Iterator[bytes]:
    """A ``<collection>`` document, streamed: the prologue, one line per record, the end tag.

    Each ``<record>`` is written with unqualified names, so it inherits the collection's default
    namespace instead of declaring it again on every record.
    """
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{namespace}">\n'.encode()
    for record in records:
        yield etree.tostring(_build(record, None), encoding="utf-8") + b"\n"
    yield b"</collection>\n"
