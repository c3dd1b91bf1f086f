"""One pure mapping per record format: a pymarc record in, a plain dict of Instance fields out."""

from marc_import.mapping.marc21 import map_marc21
from marc_import.mapping.unimarc import map_unimarc

MAPPERS = {"marc21": map_marc21, "unimarc": map_unimarc}


def map_record(record, flavour: str) -> dict:
    return MAPPERS[flavour](record)
