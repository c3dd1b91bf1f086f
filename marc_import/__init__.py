"""MARC ingestion: readers for ISO 2709 and MARCXML, format and encoding detection, one pure
mapping per format (MARC 21, CNMARC/UNIMARC), import jobs into a member's local catalogue,
quarantine of broken records, OAI-PMH harvesting and export."""
