"""Union records as MARCXML, UNIMARC XML and Dublin Core, for SRU and OAI-PMH.

A union record keeps its master record as UTF-8 ISO 2709 (``UnionRecord.marc``) in the
master's own format. MARC21 masters are served byte-faithfully as MARC21 slim XML. A UNIMARC
(CNMARC) master is served faithfully only as UNIMARC slim XML; asked for MARC21, we do not
pretend to convert it field by field: we build a minimal MARC21 record from the union record's
mapped fields (title, authors, imprint, ISBN, CLC, ...) and say so in a 588 source note.

Every MARC record served here is public: the master library's local fields (holdings, items
with barcodes and prices, staff notes) are taken out and the consortium's holdings summary of
every member is put in (``marc_import.public``), as in the union export.
"""

from __future__ import annotations

import logging

from lxml import etree
from pymarc import Field, Indicators, Record, Subfield

from marc_import.marcxml import (
    MARC21_NS,
    MARC21_XSD,
    UNIMARC_NS,
    UNIMARC_XSD,
    XSI_NS,
    record_element,
    xml_text,
)
from marc_import.public import public_record
from union.services.export import build, holdings_of

logger = logging.getLogger(__name__)

DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
SRW_DC_NS = "info:srw/schema/1/dc-schema"

UNIMARC_FORMATS = ("unimarc", "cnmarc")

# material type -> DCMI type vocabulary term
_DCMI_TYPES = {
    "book": "Text",
    "serial": "Text",
    "manuscript": "Text",
    "score": "Text",
    "map": "StillImage",
    "video": "MovingImage",
    "audio": "Sound",
    "electronic": "Software",
    "mixed": "Collection",
    "other": "Text",
}


def master_record(union_record) -> Record | None:
    """The master record as pymarc parsed it from UTF-8 ISO 2709, or None if unusable."""
    data = bytes(union_record.marc or b"")
    if not data:
        return None
    try:
        record = Record(data=data, force_utf8=True, utf8_handling="replace")
    except Exception as exc:  # a damaged master must not break a harvest or a search response
        logger.warning("union record %s: master record unreadable: %s", union_record.urid, exc)
        return None
    return record


def is_unimarc(union_record) -> bool:
    return (union_record.record_format or "").lower() in UNIMARC_FORMATS


def marc21_record(union_record) -> Record:
    """The public MARC21 record of the union record: the master's when it is MARC21."""
    if not is_unimarc(union_record):
        record = master_record(union_record)
        if record is not None:
            return public_record(record, "marc21", holdings_of(union_record))
    return minimal_marc21(union_record)


def unimarc_record(union_record) -> Record | None:
    """The public UNIMARC master record, or None when the master is not UNIMARC."""
    if not is_unimarc(union_record):
        return None
    record = master_record(union_record)
    if record is None:
        return None
    return public_record(record, "unimarc", holdings_of(union_record))


def minimal_marc21(ur) -> Record:
    """MARC21 built from the union record's mapped fields (no field-by-field conversion).

    The same builder and holdings summary as the union catalogue's MARC export (prefetch
    ``holdings__library`` so a page costs no query per record), plus a note saying that the
    master is UNIMARC.
    """
    record = build(ur, "marc21", holdings=holdings_of(ur))
    if is_unimarc(ur):
        record.add_ordered_field(
            Field(
                tag="588",
                indicators=Indicators("0", " "),
                subfields=[
                    Subfield(
                        "a",
                        "Minimal MARC21 built from a UNIMARC master record; "
                        "request UNIMARC XML for the full record.",
                    )
                ],
            )
        )
    return record


def marc21_element(union_record, schema_location: bool = False):
    return record_element(marc21_record(union_record), MARC21_NS, MARC21_XSD if schema_location else None)


def unimarc_element(union_record, schema_location: bool = False):
    record = unimarc_record(union_record)
    if record is None:
        return None
    return record_element(record, UNIMARC_NS, UNIMARC_XSD if schema_location else None)


def dc_values(ur) -> list[tuple[str, str]]:
    """(element, value) pairs of simple Dublin Core for a union record."""
    values: list[tuple[str, str]] = []
    if ur.title:
        title = ur.title + (f" : {ur.other_title}" if ur.other_title else "")
        values.append(("title", title))
    for parallel in ur.parallel_titles or []:
        values.append(("title", parallel))
    for position, author in enumerate(ur.authors or []):
        name = author.get("name", "") if isinstance(author, dict) else str(author)
        if name:
            values.append(("creator" if position == 0 else "contributor", name))
    for subject in ur.subjects or []:
        values.append(("subject", subject))
    for clc in ur.clc or []:
        values.append(("subject", f"CLC {clc}"))
    if ur.summary:
        values.append(("description", ur.summary))
    if ur.publisher:
        values.append(("publisher", ur.publisher))
    if ur.year:
        values.append(("date", str(ur.year)))
    values.append(("type", _DCMI_TYPES.get(ur.material_type, "Text")))
    if ur.extent:
        values.append(("format", ur.extent))
    values.append(("identifier", ur.urid))
    for isbn in ur.isbns or []:
        values.append(("identifier", f"urn:isbn:{isbn}"))
    for issn in ur.issns or []:
        values.append(("identifier", f"urn:issn:{issn}"))
    for lang in ur.languages or []:
        values.append(("language", lang))
    for series in ur.series or []:
        values.append(("relation", series))
    return values


def dc_element(union_record, flavour: str = "oai_dc"):
    """``oai_dc:dc`` (OAI-PMH) or ``srw_dc:dc`` (SRU) for a union record."""
    if flavour == "oai_dc":
        root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
        root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_XSD}")
    else:
        root = etree.Element(f"{{{SRW_DC_NS}}}dc", nsmap={"srw_dc": SRW_DC_NS, "dc": DC_NS})
    for name, value in dc_values(union_record):
        etree.SubElement(root, f"{{{DC_NS}}}{name}").text = xml_text(value)
    return root
