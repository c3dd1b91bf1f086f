"""Reading MARC records: ISO 2709 and MARCXML behind one interface, streaming.

Pure code (no Django): it also runs in the parse worker process.

A reader yields :class:`SourceRecord` (the bytes of the file that make one record, exactly as
they stand there, its 1-based position and byte offset); every byte of the file that is not
filler or XML wrapper ends in one of them, readable or not. :func:`decode` turns one into a
``pymarc.Record`` with NFC text, choosing the character set per record, or raises
:class:`RecordError` with a reason.
"""

from __future__ import annotations

import codecs
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import pymarc
from pymarc.marc8 import MARC8ToUnicode
from pymarc.marc8_mapping import CODESETS as MARC8_CODESETS

RT, FT, SD = b"\x1d", b"\x1e", b"\x1f"
CHUNK = 1 << 20
ENCODINGS = ("auto", "utf-8", "marc-8", "gbk", "ucs-2", "cp1251", "cp866", "koi8-r")
# Single-byte Cyrillic sets some Russian and Central Asian systems still export (leader/09 blank).
CYRILLIC = ("cp1251", "koi8-r", "cp866")
FORMATS = ("auto", "marc21", "unimarc")


class RecordError(Exception):
    """This one record cannot be read; the reason is for the librarian."""


# Bytes some systems put between ISO 2709 records (line breaks, padding, a DOS end-of-file mark).
FILLER = b"\r\n\x00 \x1a"
_FILLER_START = {FILLER[i : i + 1] for i in range(len(FILLER))} | {b""}


@dataclass(slots=True)
class SourceRecord:
    """One record as found in the file.

    ``raw`` is exactly the bytes of the file from ``offset`` on, so quarantine keeps what the
    library sent and a download can be sent again as it is; the record proper starts ``start``
    bytes into it (after filler between records). ``problem`` says why the reader already knows
    these bytes are no readable record (a stretch of garbage, an XML record without its end).
    """

    position: int
    offset: int
    raw: bytes
    kind: str = "iso2709"  # iso2709 | xml
    text: str | None = None  # ISO 2709 record already decoded from UCS-2
    start: int = 0
    problem: str | None = None
    context: bytes = b""  # XML: the declaration the record's bytes are to be read under

    @property
    def body(self) -> bytes:
        return self.raw[self.start :] if self.start else self.raw


# --- opening sources -------------------------------------------------------------------------

_XML_START = re.compile(rb"<[?!A-Za-z_]")
_XML_MARC_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:record|collection|leader|controlfield|datafield)[\s>]")
# A leader as ISO 2709 writes it, read from its second byte on: one damaged first byte must not
# make a file of hundreds of records look like something else.
_LEADER_TAIL = re.compile(rb"\d{4}[\x20-\x7e]{7}\d{5}[\x20-\x7e]{7}")


def _utf16_order(head: bytes) -> str | None:
    """'le' or 'be' when the first bytes are ASCII text in UTF-16 (every other byte zero).

    Counted, not required of every byte, so one damaged byte does not hide the layout."""
    sample = head[:64]
    if len(sample) < 10:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.8 * len(odd) and even.count(0) <= 0.2 * len(even):
        return "le"
    if even.count(0) >= 0.8 * len(even) and odd.count(0) <= 0.2 * len(odd):
        return "be"
    return None


def sniff(head: bytes) -> str:
    """'xml', 'ucs-2' (ISO 2709 in UTF-16) or 'iso2709' from the first bytes of a file."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_order(head):
        return "ucs-2"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if _XML_START.match(stripped):
        return "xml"
    if RT in head or _LEADER_TAIL.match(stripped, 1):
        return "iso2709"
    if _XML_MARC_TAG.search(head):  # XML whose first bytes are damaged
        return "xml"
    return "iso2709"


def iter_records(stream, *, encoding: str = "auto", container: str | None = None) -> Iterator[SourceRecord]:
    """Records of a binary stream; ``container`` forces 'xml', 'iso2709' or 'ucs-2'."""
    head = stream.read(4096)
    kind = container or ("ucs-2" if encoding == "ucs-2" else sniff(head))
    rest = _Rewound(head, stream)
    if kind == "xml":
        yield from iter_xml(rest)
    elif kind == "ucs-2":
        yield from iter_ucs2(rest)
    else:
        yield from iter_iso2709(rest)


class _Rewound(io.RawIOBase):
    """A stream with already-read bytes pushed back in front."""

    def __init__(self, head: bytes, stream):
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size is None or size < 0:
                data, self.head = self.head + self.stream.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.stream.read(size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# A record start inside a stretch of bytes: a leader whose base address of data points at a
# field terminator that closes whole 12-byte directory entries. Looked for (overlapping) only
# where the stretch is not one record already.
_LEADER_AT = re.compile(rb"(?=\d{5}[\x20-\x7e]{7}(\d{5})[\x20-\x7e]{7}[0-9A-Za-z]{3}\d{9})")


def _record_starts(part: bytes, begin: int) -> list[int]:
    starts = []
    for match in _LEADER_AT.finditer(part, begin):
        at, base = match.start(), int(match.group(1))
        if base >= 37 and (base - 25) % 12 == 0 and part[at + base - 1 : at + base] == FT:
            starts.append(at)
    return starts


def _split_part(part: bytes) -> list[tuple[int, int, int]]:
    """(from, to, filler before the record) of the records in the bytes up to one terminator.

    Usually one record. Garbage before a record, or a record whose terminator is missing, are
    cut off at the next plausible leader, so each is quarantined alone and the next is read."""
    filler = len(part) - len(part.lstrip(FILLER))
    if filler == len(part) or filler == len(part) - 1 and part.endswith(RT):
        return []  # nothing but filler (and perhaps a lone terminator)
    body = part[filler:]
    if body[:5].isdigit() and int(body[:5]) == len(body):
        return [(0, len(part), filler)]  # the common case: the leader's length fits
    cuts = [0, *_record_starts(part, filler + 1), len(part)]
    spans = []
    for begin, end in itertools.pairwise(cuts):
        piece = part[begin:end]
        spans.append((begin, end, len(piece) - len(piece.lstrip(FILLER))))
    return spans


def iter_iso2709(stream) -> Iterator[SourceRecord]:
    """Split on record terminators (0x1D), never trusting the length in the leader; within the
    bytes up to one terminator, resynchronise on the next plausible leader."""
    buffer = b""
    offset = 0  # of buffer[0] in the file
    position = 0
    eof = False
    while not eof:
        chunk = stream.read(CHUNK)
        eof = not chunk
        buffer += chunk
        parts = buffer.split(RT)
        tail = parts.pop()
        if eof:
            parts.append(tail)
            tail = b""
        at = 0
        last = len(parts) - 1
        for i, part in enumerate(parts):
            if i < last or not eof:
                part += RT
            if part[:1] not in _FILLER_START and part[:5].isdigit() and int(part[:5]) == len(part):
                position += 1  # the common case, checked here for speed: one record, length right
                yield SourceRecord(position, offset + at, part)
                at += len(part)
                continue
            for begin, end, filler in _split_part(part):
                position += 1
                raw = part[begin:end]
                problem = None
                if begin == 0 and end < len(part) and not raw[filler : filler + 5].isdigit():
                    problem = (f"{len(raw)} bytes that are not a MARC record, before the record at byte "
                               f"{offset + at + end}")
                yield SourceRecord(position, offset + at + begin, raw, start=filler, problem=problem)
            at += len(part)
        offset += at
        buffer = tail


def iter_ucs2(stream) -> Iterator[SourceRecord]:
    """ISO 2709 written entirely in UCS-2/UTF-16 (structure and data).

    Split on the terminator's two bytes at even offsets, so every record keeps its exact bytes;
    each is decoded on its own, and one that is not valid UTF-16 is rejected alone."""
    buffer = stream.read(CHUNK)
    if buffer.startswith(codecs.BOM_UTF16_LE):
        codec = "utf-16-le"
    elif buffer.startswith(codecs.BOM_UTF16_BE):
        codec = "utf-16-be"
    else:
        codec = "utf-16-be" if _utf16_order(buffer) == "be" else "utf-16-le"
    terminator = "\x1d".encode(codec)
    offset = position = 0  # offset of buffer[0] in the file: always even
    eof = not buffer
    while True:
        begin = search = 0
        while (found := buffer.find(terminator, search)) >= 0:
            if found % 2:  # the second half of one character and the first of the next
                search = found + 1
                continue
            end = found + 2
            record = _ucs2_record(buffer[begin:end], codec, offset + begin, position + 1)
            if record is not None:
                position += 1
                yield record
            begin = search = end
        if eof:
            record = _ucs2_record(buffer[begin:], codec, offset + begin, position + 1)
            if record is not None:
                yield record
            return
        buffer, offset = buffer[begin:], offset + begin
        chunk = stream.read(CHUNK)
        eof = not chunk
        buffer += chunk


def _ucs2_record(piece: bytes, codec: str, offset: int, position: int) -> SourceRecord | None:
    try:
        text = piece.decode(codec)
    except UnicodeDecodeError as exc:
        return SourceRecord(position, offset, piece,
                            problem=f"bytes are not valid UTF-16 ({exc.reason} at byte {exc.start} of the record)")
    body = text.lstrip("\r\n\x00 \ufeff\x1a")
    if not body.rstrip("\x1d"):
        return None
    return SourceRecord(position, offset, piece, start=len(text[: len(text) - len(body)].encode(codec)), text=body)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# What the XML reader looks at: comments and CDATA (skipped whole), and start and end tags of
# record, leader, control field and data field elements under any prefix. Everything else is
# the wrapper (collection, SRU, OAI-PMH) and passes by unparsed.
_XML_TOKEN = re.compile(rb"<!--|<!\[CDATA\[|<(/?)(?:[A-Za-z_][\w.-]*:)?(record|leader|controlfield|datafield)(?=[\s/>])")
_XML_SKIPPED = {b"<!--": b"-->", b"<![CDATA[": b"]]>"}
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][\w.-]*)["']""")
_XML_WRAPPER_LIMIT = 1 << 20


@dataclass(slots=True)
class _Open:
    """A record element whose end tag has not been read yet."""

    start: int  # offset in the file
    content: bool = False  # holds a leader or fields of its own: a MARC record
    child: bool = False  # holds a MARC record: a wrapper (OAI-PMH, SRU)


def iter_xml(stream) -> Iterator[SourceRecord]:
    """MARC records in any XML wrapper (MARCXML collection, SRU, OAI-PMH, UNIMARC/CNMARC XML).

    The file is cut at the byte level into ``<record>...</record>`` elements, and each is parsed
    on its own (in :func:`decode`), so a syntax error spoils one record, not the rest of the file.
    A record whose end tag is missing ends where the next begins; fields found outside any record
    (a damaged start tag) are kept as a stretch of their own; nothing of the file is dropped.
    """
    buffer, base = b"", 0  # base: offset of buffer[0] in the file
    pos, eof = 0, False
    stack: list[_Open] = []
    gap, orphans = 0, False  # where the bytes since the last record began; MARC fields among them?
    position = 0
    context = b""
    first = True
    while True:
        match = _XML_TOKEN.search(buffer, pos)
        if match is None:
            resume = max(pos, len(buffer) - 64)  # a tag cut in two at the end is looked at again
        else:
            resume = None
            if match.group(2) is None:  # a comment or CDATA section: skipped to its end
                close = buffer.find(_XML_SKIPPED[match.group()], match.end())
                if close >= 0 or eof:  # one never closed is taken for text, so records after it count
                    pos = close + 3 if close >= 0 else match.end()
                    continue
                resume = match.start()
            elif match.group(2) == b"record" and not eof and buffer.find(b">", match.end()) < 0:
                resume = match.start()
        if resume is not None:
            if eof:
                break
            keep = min([gap - base, *(o.start - base for o in stack if not o.child), resume])
            if not stack and not orphans and resume - keep > _XML_WRAPPER_LIMIT:
                keep = resume  # a long stretch of wrapper: nothing in it to keep
                gap = base + resume
            buffer, base, pos = buffer[keep:], base + keep, resume - keep
            chunk = stream.read(CHUNK)
            eof = not chunk
            if first:
                declared = _XML_ENCODING.match(chunk.lstrip(codecs.BOM_UTF8))
                if declared:
                    context = b'<?xml version="1.0" encoding="%s"?>' % declared.group(1)
                first = False
            buffer += chunk
            continue
        at = base + match.start()
        closing, name = match.group(1), match.group(2)
        if name != b"record":
            pos = match.end()
            if closing:
                continue
            if stack and not stack[-1].child:
                stack[-1].content = True
            else:  # no record is open to hold it
                orphans = True
            continue
        close = buffer.find(b">", match.end())
        end = base + close + 1 if close >= 0 else base + len(buffer)
        pos = close + 1 if close >= 0 else len(buffer)
        if not closing:
            if close >= 0 and buffer[close - 1 : close] == b"/":
                continue  # <record/>: empty
            if stack and stack[-1].content and not stack[-1].child:
                # A MARC record is open and another begins: its end tag is missing.
                cut = stack.pop()
                position += 1
                yield _xml_record(position, cut.start, buffer[cut.start - base : at - base], context,
                                  f"record has no end tag: the next record begins at byte {at}")
                if stack:
                    stack[-1].child = True
                gap = at
            if orphans:
                position += 1
                yield _orphans(position, gap, buffer[gap - base : at - base])
                orphans = False
            stack.append(_Open(at))
            continue
        if not stack:
            continue  # an end tag without a start: wrapper debris, or the start was damaged
        element = stack.pop()
        if element.child or not element.content:
            continue  # a wrapper, or a record in another schema (Dublin Core, MODS)
        position += 1
        yield _xml_record(position, element.start, buffer[element.start - base : end - base], context)
        if stack:
            stack[-1].child = True
        gap = end
    truncated = stack[-1] if stack and not stack[-1].child else None
    if orphans:
        position += 1
        yield _orphans(position, gap, buffer[gap - base : truncated.start - base if truncated else len(buffer)])
    if truncated is not None:
        position += 1
        yield _xml_record(position, truncated.start, buffer[truncated.start - base :], context,
                          "the file ends inside this record (truncated?)")


def _xml_record(position: int, offset: int, raw: bytes, context: bytes, problem: str | None = None) -> SourceRecord:
    return SourceRecord(position, offset, raw, kind="xml", problem=problem, context=context)


def _orphans(position: int, offset: int, raw: bytes) -> SourceRecord:
    return SourceRecord(position, offset, raw, kind="xml",
                        problem="MARC fields outside any <record> element (is its start tag damaged?)")


_XML_RECORD_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*):")
_XML_UNDEFINED_PREFIX = re.compile(r"Namespace prefix ([A-Za-z_][\w.-]*)")


def parse_xml_record(source: SourceRecord) -> pymarc.Record:
    """One record element cut out of an XML file -> pymarc.Record. Raises RecordError.

    The element is parsed inside a wrapper declaring the namespace prefixes it uses, since their
    declarations may have stood on the elements around it; only local names count here, so any
    namespace name will do. Prefixes are added as the parser asks for them: looking for them all
    beforehand would cost more than the parse."""
    from lxml import etree

    start = _XML_RECORD_PREFIX.match(source.raw)
    prefixes = [start.group(1)] if start else []
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    while True:
        declarations = b"".join(b' xmlns:%s="urn:x-prefix:%s"' % (p, p) for p in prefixes)
        try:
            root = etree.fromstring(source.context + b"<_" + declarations + b">" + source.raw + b"</_>", parser)
            break
        except etree.XMLSyntaxError as exc:
            undefined = _XML_UNDEFINED_PREFIX.match(exc.msg or "")
            prefix = undefined.group(1).encode() if undefined else None
            if prefix is None or prefix in prefixes or prefix in (b"xml", b"xmlns") or len(prefixes) > 50:
                raise RecordError(f"XML syntax error in the record: {exc.msg}") from None
            prefixes.append(prefix)
    elements = [child for child in root if isinstance(child.tag, str)]
    if len(elements) != 1 or _local(elements[0].tag) != "record":
        raise RecordError("XML syntax error in the record: not one <record> element")
    return xml_element_to_record(elements[0])


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value) if not value.isascii() else value


def xml_element_to_record(element) -> pymarc.Record:
    record = pymarc.Record(leader=" " * 24, force_utf8=True)
    for child in element:
        name = _local(child.tag)
        if name == "leader":
            leader = (child.text or "").replace("-", " ").replace("#", " ")
            if len(leader) != 24:
                raise RecordError(f"leader is {len(leader)} characters long, not 24")
            record.leader = pymarc.Leader(leader)
        elif name == "controlfield":
            tag = child.get("tag")
            if not tag or not tag.strip():
                raise RecordError("control field without a tag")
            record.add_field(pymarc.Field(tag=tag, data=nfc(child.text or "")))
        elif name == "datafield":
            tag = child.get("tag")
            if not tag or not tag.strip():
                raise RecordError("data field without a tag")
            subfields = []
            for sub in child:
                if _local(sub.tag) != "subfield":
                    continue
                code = sub.get("code")
                if code is None or code == "":
                    raise RecordError(f"subfield without a code in field {tag}")
                subfields.append(pymarc.Subfield(code=code, value=nfc(sub.text or "")))
            ind1 = (child.get("ind1") or " ")[:1] or " "
            ind2 = (child.get("ind2") or " ")[:1] or " "
            record.add_field(pymarc.Field(tag=tag, indicators=pymarc.Indicators(ind1, ind2), subfields=subfields))
    if not record.fields:
        raise RecordError("record has no fields")
    return record


# --- decoding ISO 2709 ----------------------------------------------------------------------

_GB_PAIR = re.compile(rb"[\x81-\xfe][\x40-\xfe]")
_HIGH = re.compile(rb"[\x80-\xff]")


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_CYRILLIC_LOWER = re.compile("[\u0430-\u044f\u0451]")
_CYRILLIC_UPPER = re.compile("[\u0410-\u042f\u0401]")


def _looks_gb(data: bytes) -> bool:
    """Chinese double-byte text: high bytes come in pairs whose second byte is high too (GB2312).

    Russian text in cp1251 can pass that test too; it is told apart by its words, runs of high
    bytes of any length where GB text has even ones, and by reading as Cyrillic."""
    highs = len(_HIGH.findall(data))
    if not highs:
        return False
    pairs = re.findall(rb"[\xa1-\xfe][\xa1-\xfe]", data)
    if 2 * len(pairs) < 0.9 * highs:
        return False
    runs = _HIGH_RUN.findall(data)
    return sum(len(run) % 2 for run in runs) <= 0.15 * len(runs) or cyrillic_codec(data) is None


# High bytes MARC-8 can hold without escape sequences: ANSEL (G1) and the C1 controls it uses.
_ANSEL = frozenset(MARC8_CODESETS[0x45]) | {0x88, 0x89, 0x8D, 0x8E}
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_PAIR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def _looks_gbk_extended(data: bytes) -> bool:
    """GBK text using its extended area (traditional and rarer characters, whose second byte may
    be below 0xA1, so the GB2312 pair test misses it): only when the bytes cannot be MARC-8
    (some high byte is not ANSEL), decode strictly as GBK, and give Chinese characters that
    stand next to each other, as in running Chinese text, rather than alone inside Latin words
    (how accented Latin-1 letters read in GBK)."""
    if set(b"".join(_HIGH.findall(data))) <= _ANSEL:
        return False
    try:
        text = data.decode("gbk")
    except UnicodeDecodeError:
        return False
    cjk = len(_CJK.findall(text))
    together = sum(len(run) for run in _CJK_PAIR.findall(text))
    other = sum(1 for ch in text if ord(ch) > 0x7F) - cjk
    return cjk >= 4 and together >= 0.7 * cjk and other <= 0.1 * cjk


def cyrillic_codec(data: bytes) -> str | None:
    """The single-byte Cyrillic set (cp1251, koi8-r, cp866) the high bytes read best in, if any.

    Text in these sets is words of several high bytes in a row, which MARC-8 without escapes
    (ANSEL diacritics before a base letter) never has. Among the sets in which almost every high
    byte is a Cyrillic letter, the one giving mostly lower-case letters wins: koi8-r and cp1251
    share their letters with the cases swapped, and running text is mostly lower case.
    """
    if b"\x1b" in data:
        return None
    runs = _HIGH_RUN.findall(data)
    highs = sum(len(run) for run in runs)
    if not highs or sum(len(run) for run in runs if len(run) >= 3) < 0.5 * highs:
        return None
    best, best_lower = None, 0
    for codec in CYRILLIC:
        text = b" ".join(runs).decode(codec, errors="replace")
        lower = len(_CYRILLIC_LOWER.findall(text))
        letters = lower + len(_CYRILLIC_UPPER.findall(text))
        if letters >= 0.85 * highs and lower > best_lower:
            best, best_lower = codec, lower
    return best if best_lower >= 0.5 * highs else None


def _marc8(data: bytes) -> str:
    converter = MARC8ToUnicode(quiet=True)
    try:
        text = converter.translate(data)
    except Exception as exc:  # noqa: BLE001 - pymarc raises many kinds on bad MARC-8
        raise UnicodeDecodeError("marc-8", data, 0, len(data), f"bad MARC-8: {exc}") from None
    if "\ufffd" in text:
        raise UnicodeDecodeError("marc-8", data, 0, len(data), "unmapped MARC-8 bytes")
    return text


def _utf8(data: bytes) -> str:
    return data.decode("utf-8")


def _gb(data: bytes) -> str:
    return data.decode("gb18030")


def _ascii(data: bytes) -> str:
    return data.decode("ascii")


def _codec_for(declared: str):
    if declared in CYRILLIC:
        return lambda data: data.decode(declared)
    if declared == "utf-8":
        return _utf8
    if declared == "gbk":
        return _gb
    if declared == "marc-8":
        return _marc8
    if declared == "ascii":
        return _ascii
    raise ValueError(declared)


def choose_encoding(raw: bytes, leader: bytes, flavour: str, requested: str = "auto") -> str:
    """The character set of one ISO 2709 record ('utf-8', 'marc-8', 'gbk' or 'ascii')."""
    if requested not in ("auto", "ucs-2"):
        return requested
    body = raw[24:]
    if body.isascii():
        return "ascii"
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if flavour == "marc21":
        if leader[9:10] == b"a":
            raise RecordError("leader/09 says UTF-8 but the bytes are not valid UTF-8")
        if b"\x1b" not in body and _looks_gb(body):
            return "gbk"
        cyrillic = cyrillic_codec(body)
        if cyrillic:
            return cyrillic
        if b"\x1b" not in body and _looks_gbk_extended(body):
            return "gbk"
        return "marc-8"
    # UNIMARC/CNMARC: 100$a/26-29 names the set, but Chinese systems often get it wrong.
    if b"\x1b" in body and not _looks_gb(body):
        return "marc-8"
    if _looks_gb(body):
        return "gbk"
    cyrillic = cyrillic_codec(body)
    if cyrillic:
        return cyrillic
    if _looks_gbk_extended(body):
        return "gbk"
    raise RecordError("the bytes are neither UTF-8, GBK/GB18030 nor a Cyrillic set; the character set is not supported")


def parse_iso2709(raw: bytes, *, encoding: str = "auto", flavour: str = "marc21", text: str | None = None):
    """One ISO 2709 record -> (pymarc.Record, encoding used). Raises RecordError."""
    if text is not None:  # already decoded from UCS-2: work on characters
        return _parse_text(text), "ucs-2"
    if len(raw) < 26:
        raise RecordError(f"record is only {len(raw)} bytes long")
    leader = raw[:24]
    if not leader.isascii():
        raise RecordError("leader contains non-ASCII bytes")
    if not leader[:5].isdigit():
        raise RecordError("record length in the leader is not a number")
    if not leader[12:17].isdigit():
        raise RecordError("base address of data in the leader is not a number")
    if not raw.endswith(RT):
        raise RecordError("record has no record terminator (truncated?)")
    base = int(leader[12:17])
    if base < 25 or base > len(raw):
        raise RecordError(f"base address of data {base} is outside the record")
    directory = raw[24 : base - 1] if raw[base - 1 : base] == FT else None
    if directory is None:
        end = raw.find(FT, 24)
        if end < 0:
            raise RecordError("directory has no field terminator")
        directory = raw[24:end]
    if len(directory) % 12:
        raise RecordError(f"directory length {len(directory)} is not a multiple of 12")
    enc = choose_encoding(raw, leader, flavour, encoding)
    decode = _codec_for(enc)
    whole = enc != "marc-8"
    data = raw[base:]
    if whole:
        record = _parse_whole(leader, directory, data, decode)
        if record is not None:
            return record, enc
    # Field by field: slower, and says exactly which field is wrong.
    record = pymarc.Record(leader=leader.decode("ascii"), force_utf8=True)
    for i in range(0, len(directory), 12):
        entry = directory[i : i + 12]
        tag = entry[:3].decode("ascii", "replace")
        if not entry[3:].isdigit():
            raise RecordError(f"directory entry {i // 12 + 1} ({tag}) has non-numeric length or start")
        length, start = int(entry[3:7]), int(entry[7:12])
        chunk = data[start : start + length]
        if len(chunk) != length or not chunk.endswith(FT):
            raise RecordError(f"field {tag}: length or start in the directory does not match the data")
        try:
            record.add_field(_field(tag, chunk[:-1], decode, whole))
        except UnicodeDecodeError as exc:
            raise RecordError(f"field {tag}: bytes are not valid {enc.upper()} ({exc.reason})") from None
    if not record.fields:
        raise RecordError("record has no fields")
    return record, enc


_NON_ASCII_CODE = re.compile("\x1f[^\x00-\x7f]")


def _parse_whole(leader: bytes, directory: bytes, data: bytes, decode) -> pymarc.Record | None:
    """The common case in one pass: fields stored in directory order, one after another, in a
    character set whose bytes never contain the separators (UTF-8, GB18030), so the whole data
    section is decoded at once. None when anything is unusual; the caller then goes field by
    field and names what is wrong."""
    if not data.endswith(FT + RT):
        return None
    count = len(directory) // 12
    try:
        text = decode(data[:-2])
    except UnicodeDecodeError:
        return None
    chunks = text.split("\x1e")
    if len(chunks) != count or _NON_ASCII_CODE.search(text):
        return None
    # The directory must be exactly what the separators say: rebuilt in one formatting call.
    tags = [directory[i : i + 3] for i in range(0, count * 12, 12)]
    lengths = [len(c) + 1 for c in data[:-2].split(FT)]
    starts = list(itertools.accumulate(lengths, initial=0))[:-1]
    triples = zip(tags, lengths, starts, strict=True)
    expected = (b"%s%04d%05d" * count) % tuple(itertools.chain.from_iterable(triples))
    if expected != directory:
        return None
    record = pymarc.Record(leader=leader.decode("ascii"), force_utf8=True)
    fields = record.fields
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        chunks = [unicodedata.normalize("NFC", chunk) for chunk in chunks]
    for tag, chunk in zip([t.decode("ascii", "replace") for t in tags], chunks, strict=True):
        if tag < "010" and tag.isdigit():
            fields.append(pymarc.Field(tag=tag, data=chunk))
            continue
        if "\x1f" not in chunk and len(chunk) < 2:
            return None
        head, *subs = chunk.split("\x1f")
        fields.append(_make_field(tag, (head[:2] + "  ")[:2], [_Subfield(s[0], s[1:]) for s in subs if s]))
    return record if fields else None


_new_field = pymarc.Field.__new__
_Indicators = pymarc.Indicators
_Subfield = pymarc.Subfield


def _make_field(tag: str, ind: str, subfields: list) -> pymarc.Field:
    """A data field without pymarc's argument checks (this is the hot path of every import)."""
    field = _new_field(pymarc.Field)
    field.tag, field.data, field.control_field, field.subfields = tag, None, False, subfields
    field._indicators = _Indicators(ind[0], ind[1])
    return field


def _field(tag: str, chunk: bytes, decode, whole: bool = True) -> pymarc.Field:
    if tag < "010" and tag.isdigit():
        return pymarc.Field(tag=tag, data=nfc(decode(chunk)))
    if SD not in chunk and len(chunk) < 2:
        raise RecordError(f"field {tag}: data field without indicators")
    if whole:
        # Subfield delimiters are ASCII in UTF-8 and GB18030, so the field decodes in one piece.
        head, *subs = nfc(decode(chunk)).split("\x1f")
        ind = (head[:2] + "  ")[:2]
        subfields = [_Subfield(s[0], s[1:]) for s in subs if s]
        for sub in subfields:
            if not sub.code.isascii():
                raise RecordError(f"field {tag}: subfield code {sub.code!r} is not an ASCII character")
        return _make_field(tag, ind, subfields)
    head, *parts = chunk.split(SD)
    ind = (decode(head[:2]) if head else "  ") + "  "
    subfields = []
    for sub in parts:
        if not sub:
            continue
        code = chr(sub[0]) if sub[0] < 128 else "?"
        subfields.append(_Subfield(code, nfc(decode(sub[1:]))))
    return _make_field(tag, ind[:2], subfields)


def _parse_text(text: str) -> pymarc.Record:
    """ISO 2709 as characters (from UCS-2): fields are taken in directory order, split on 0x1E."""
    leader = text[:24]
    if len(leader) < 24 or not leader[:5].isdigit() or not leader[12:17].isdigit():
        raise RecordError("leader is not a MARC leader")
    end = text.find("\x1e", 24)
    if end < 0:
        raise RecordError("directory has no field terminator")
    directory = text[24:end]
    if len(directory) % 12:
        raise RecordError(f"directory length {len(directory)} is not a multiple of 12")
    tags = [directory[i : i + 3] for i in range(0, len(directory), 12)]
    chunks = text[end + 1 :].rstrip("\x1d").split("\x1e")
    if chunks and chunks[-1] == "":
        chunks.pop()
    if len(chunks) != len(tags):
        raise RecordError(f"directory lists {len(tags)} fields but the data has {len(chunks)}")
    record = pymarc.Record(leader=leader, force_utf8=True)
    for tag, chunk in zip(tags, chunks, strict=True):
        record.add_field(_field(tag, chunk.encode("utf-8"), _utf8))
    return record


def to_utf8_iso(record: pymarc.Record) -> bytes:
    """The record as UTF-8 ISO 2709 (leader/09 = 'a' for MARC 21 is set by the caller)."""
    return record.as_marc()


# --- format detection -----------------------------------------------------------------------

_UNIMARC_TAGS = {"200", "210", "215", "225", "606", "690", "701", "702", "711", "801", "010", "011", "101"}
_MARC21_TAGS = {"245", "260", "264", "300", "100", "650", "700", "020", "008", "040", "050", "082"}


def detect_flavour(tags: list[str], leader: str = "", field100: str = "") -> str:
    """'marc21' or 'unimarc' from the tags present (200/210 vs 245/260), the leader and 100$a."""
    present = set(tags)
    uni = len(present & _UNIMARC_TAGS)
    m21 = len(present & _MARC21_TAGS)
    if "200" in present and "245" not in present:
        uni += 3
    if "245" in present and "200" not in present:
        m21 += 3
    if re.match(r"^\d{8}[a-z]\d{4}", field100 or ""):
        uni += 2  # UNIMARC 100$a: date entered, type of date, date 1
    if leader[22:23] == " " and leader[23:24] in ("0", " ") and leader[20:22] == "45":
        m21 += 0
    if "008" in present:
        m21 += 2
    return "unimarc" if uni > m21 else "marc21"


def raw_tags(raw: bytes) -> tuple[list[str], str]:
    """Tags from an ISO 2709 directory and the first 100 field's first 40 bytes (cheap, no decoding)."""
    try:
        base = int(raw[12:17])
    except ValueError:
        return [], ""
    directory = raw[24 : max(24, base - 1)]
    tags = [directory[i : i + 3].decode("ascii", "replace") for i in range(0, len(directory) - 11, 12)]
    f100 = ""
    for i in range(0, len(directory) - 11, 12):
        if directory[i : i + 3] == b"100" and directory[i + 3 : i + 12].isdigit():
            start = int(directory[i + 7 : i + 12])
            chunk = raw[base + start : base + start + 45]
            pos = chunk.find(SD + b"a")
            f100 = chunk[pos + 2 :].decode("ascii", "replace") if pos >= 0 else ""
            break
    return tags, f100


def decode(source: SourceRecord, *, encoding: str = "auto", flavour: str = "auto") -> tuple[pymarc.Record, str, str]:
    """(record, encoding used, flavour) of one source record; raises RecordError."""
    if source.problem:
        raise RecordError(source.problem)
    if source.kind == "xml" or source.text is not None:
        if source.kind == "xml":
            record, enc = parse_xml_record(source), "utf-8"
        else:
            record, enc = parse_iso2709(source.raw, text=source.text)
        if flavour == "auto":
            f100 = record.get("100")
            flavour = detect_flavour(
                [f.tag for f in record.fields], str(record.leader), (f100.get("a") or "") if f100 and not f100.is_control_field() else ""
            )
        return record, enc, flavour
    body = source.body
    if flavour == "auto":
        tags, f100 = raw_tags(body)
        flavour = detect_flavour(tags, body[:24].decode("ascii", "replace"), f100)
    record, enc = parse_iso2709(body, encoding=encoding, flavour=flavour)
    return record, enc, flavour
