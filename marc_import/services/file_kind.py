"""What a file that gave no records looks like, in words a librarian can act on.

An upload that is not MARC at all (the export tool's HTML error or login page saved under the
file's name, an empty file, a text file) used to end "done" with nothing read and no word
about why. The import now fails such a job and says what the file seemed to be.
"""

from __future__ import annotations

import codecs
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEAD_BYTES = 4096

_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s|<title>", re.IGNORECASE)
_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_XML_RECORD = re.compile(rb"<([\w.-]+:)?record[\s>]")
# MarcEdit's mnemonic text form: "=LDR  00714cam a2200205 a 4500".
_MNEMONIC = re.compile(rb"^\s*=(LDR|\d{3})\s", re.MULTILINE)
# A leader: five digits of length, then record status and type.
_LEADER = re.compile(rb"\d{5}[a-z ][a-z]")
# A catalogue's screen or e-mail printout: "LDR    00000nam 2200409Ia 4500", "24510   |a ...".
_PRINTOUT = re.compile(rb"^\s*(LDR|000)\s+\d{5}[a-z ]", re.MULTILINE)
_MAGIC = (
    (b"%PDF", gettext_lazy("PDF document")),
    (b"PK\x03\x04", gettext_lazy("ZIP archive")),
    (b"\x1f\x8b", gettext_lazy("gzip-compressed file")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("Microsoft Office document")),
)


def _text(head: bytes) -> str | None:
    """The head as text when it reads as text (UTF-8, UTF-16 or a single-byte set), else None."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            head, forced = head[len(bom):], codec
            break
    else:
        forced = None
    try:
        text = head.decode(forced or "utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the head
            return None
        text = head[: exc.start].decode(forced or "utf-8")
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\t\r\n")
    return text if text and printable >= 0.95 * len(text) else None


def describe_non_marc(head: bytes, records_read: int = 0) -> str | None:
    """Why a file whose first bytes are ``head`` is not MARC, or None if it could be MARC.

    Only asked of a file that gave no record to import, so a wrong guess costs a message, never
    a record. When the reader did find records (``records_read``) and all were rejected, their
    quarantine reasons explain the file better, unless it is plainly something else.
    """
    stripped = head.lstrip(codecs.BOM_UTF8).strip()
    if not head:
        return _("The file is empty.")
    if not stripped.strip(b"\x00"):
        return _("The file holds only blank space, no MARC records.")
    for magic, kind in _MAGIC:
        if stripped.startswith(magic):
            return _("This looks like a %(kind)s, not MARC; export the records as MARC (ISO 2709) or "
                     "MARCXML.") % {"kind": str(kind)}
    if _HTML.search(head):
        return _("This looks like an HTML page, not MARC: perhaps a web page or an error page was saved "
                 "instead of the export.")
    if stripped.startswith(b"<"):
        if _XML_RECORD.search(head):
            return None  # MARCXML records, rejected each with its reason
        root = next((m.group(1).decode("ascii", "replace") for m in _XML_ROOT.finditer(stripped)
                     if not m.group(1).startswith((b"?", b"!"))), "")
        return _("This is an XML file (its first element is <%(root)s>) with no MARC records in it; "
                 "MARCXML records are <record> elements in the MARC 21 slim namespace.") % {"root": root}
    if b"\x1d" in head or b"\x1e" in head or _LEADER.match(stripped):
        return None  # a leader or terminators: damaged MARC, whose records say what is wrong
    if _MNEMONIC.search(head):
        return _("This looks like MARC in text form (MarcEdit's .mrk), not MARC; compile it to a "
                 ".mrc file first.")
    if _PRINTOUT.search(head):
        return _("This looks like MARC records printed as text (tags and values in columns), not a MARC "
                 "file; export the records as MARC (ISO 2709) or MARCXML.")
    if _text(head) is not None:
        return _("This looks like a plain text file, not MARC: it has none of the record and field "
                 "separators of ISO 2709 and is not MARCXML.")
    return None if records_read else _("No MARC records were found in the file.")
