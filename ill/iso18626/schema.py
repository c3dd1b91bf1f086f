"""Validation of ISO 18626 documents against the schemas shipped in ``schemas/``.

The schemas are read from the package, never fetched: neither imports another schema, and the
parser that reads them (and the documents) resolves no entities and uses no network. Each
compiled schema is cached per thread, as lxml's validators keep per-call state.
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from ill.iso18626.codes import SCHEMA_FILES, VERSIONS
from ill.iso18626.xml import MessageError, _read_document

SCHEMA_DIR = Path(__file__).parent / "schemas"

_cache = threading.local()


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def schema_for(version: str) -> etree.XMLSchema:
    """The compiled schema of ``version`` ("2017" or "2021")."""
    if version not in VERSIONS:
        raise ValueError(f"unknown ISO 18626 version {version!r}; expected one of {VERSIONS}")
    schemas = getattr(_cache, "schemas", None)
    if schemas is None:
        schemas = _cache.schemas = {}
    if version not in schemas:
        document = etree.parse(str(SCHEMA_DIR / SCHEMA_FILES[version]), _safe_parser())
        schemas[version] = etree.XMLSchema(document)
    return schemas[version]


def validate(data: bytes, version: str) -> list[str]:
    """The schema errors of the document ``data`` against ``version``; empty when it is valid.

    A document that is not even safe, well-formed XML gives one error saying why.
    """
    schema = schema_for(version)
    try:
        root = _read_document(data)
    except MessageError as error:
        return [error.error_value]
    if schema.validate(root):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]
