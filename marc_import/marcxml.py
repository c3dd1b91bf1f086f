"""pymarc records as MARC slim XML: the one serialiser of the export files, SRU and OAI-PMH.

MARC 21 records go in the MARC 21 slim namespace; UNIMARC records served as UNIMARC go in the
UNIMARC slim namespace (the same element names). Text that XML 1.0 cannot hold, which damaged
records sometimes carry, is dropped rather than failing the whole answer; the structure is
repaired to what the MARC 21 slim schema allows (see ``_build``), because records stored by an
earlier, more trusting import may hold anything.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

import pymarc
from lxml import etree

MARC21_NS = "http://www.loc.gov/MARC21/slim"
MARC21_XSD = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
UNIMARC_NS = "http://www.bncf.firenze.sbn.it/unimarc/slim"
UNIMARC_XSD = "http://www.bncf.firenze.sbn.it/unimarc/slim/unimarcslim.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

logger = logging.getLogger(__name__)

# Everything outside the XML 1.0 Char production.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """``value`` as text XML 1.0 can hold."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("", text)


# The MARC 21 slim schema's patterns (MARC21slim.xsd): tags, indicators, subfield codes, leader.
_CONTROL_TAG = re.compile("00[1-9A-Za-z]")
_DATA_TAG = re.compile("0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2}")
_INDICATOR = re.compile("[0-9a-z ]")
_CODE = re.compile(r"[0-9A-Za-z!\"#$%&'()*+,\-./:;<=>?{}_^`~\[\]\\]")
# Per leader position: the characters the schema allows there, and what stands in for others.
_DIGIT, _ALNUM = "0123456789", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LEADER_RULES = (
    [(_DIGIT + " ", "0")] * 5 + [(_ALNUM + " ", " "), (_ALNUM, "a")] + [(_ALNUM + " ", " ")] * 3
    + [("2 ", " ")] * 2 + [(_DIGIT + " ", "0")] * 5 + [(_ALNUM + " ", " ")] * 3
)
# A subfield whose code cannot be written keeps its text under this code (one the schema
# allows and no format defines), so nothing is silently lost and nothing is misread as $a.
UNKNOWN_CODE = "_"


def xml_leader(leader) -> str:
    """``leader`` as the schema's pattern allows: 24 characters, each repaired in place."""
    text = xml_text(leader)[:24].ljust(24)
    head = "".join(ch if ch in allowed else stand_in
                   for ch, (allowed, stand_in) in zip(text[:20], _LEADER_RULES, strict=True))
    tail = text[20:] if text[20:] in ("4500", "    ") else "4500"
    return head + tail


def xml_indicator(value) -> str:
    ind = xml_text(value)[:1]
    if ind and not _INDICATOR.fullmatch(ind):
        ind = ind.lower()  # an upper-case letter is a common slip; anything else is unknown
    return ind if ind and _INDICATOR.fullmatch(ind) else " "


def xml_code(value) -> str:
    code = xml_text(value)
    return code if len(code) == 1 and _CODE.fullmatch(code) else UNKNOWN_CODE


def _build(record: pymarc.Record, namespace: str | None, nsmap: dict | None = None) -> etree._Element:
    """The ``<record>`` element, valid against the slim schema whatever the record holds.

    A bad indicator becomes blank and a bad subfield code ``UNKNOWN_CODE``; a field whose tag
    the schema cannot hold (a control character, "000", a data field tagged 00X) or a data
    field left without subfields is left out, with a warning naming the record.
    """
    def name(local: str) -> str:
        return f"{{{namespace}}}{local}" if namespace else local

    root = etree.Element(name("record"), nsmap=nsmap)
    etree.SubElement(root, name("leader")).text = xml_leader(record.leader)
    for field in record.fields:
        tag = xml_text(field.tag)
        if field.is_control_field():
            if _CONTROL_TAG.fullmatch(tag):
                etree.SubElement(root, name("controlfield"), tag=tag).text = xml_text(field.data)
            else:
                _skipped(record, field, "its tag is not valid")
            continue
        if not _DATA_TAG.fullmatch(tag):
            _skipped(record, field, "its tag is not valid")
            continue
        if not field.subfields:
            _skipped(record, field, "it has no subfields")
            continue
        ind1, ind2 = (list(field.indicators or ()) + [" ", " "])[:2]
        node = etree.SubElement(root, name("datafield"), tag=tag, ind1=xml_indicator(ind1),
                                ind2=xml_indicator(ind2))
        for sub in field.subfields:
            etree.SubElement(node, name("subfield"), code=xml_code(sub.code)).text = xml_text(sub.value)
    return root


def _skipped(record: pymarc.Record, field, why: str) -> None:
    control = next((f.data for f in record.get_fields("001")), "(no 001)")
    logger.warning("MARC record %r: field %r left out of the XML: %s", control, field.tag, why)


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
