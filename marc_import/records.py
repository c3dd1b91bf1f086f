"""Reading MARC records: ISO 2709 and MARCXML behind one interface, streaming.

Pure code (no Django): it also runs in the parse worker process.

A reader yields :class:`SourceRecord` (the raw bytes of one record, its 1-based position and
its byte offset or XML line); :func:`decode` turns one into a ``pymarc.Record`` with NFC text,
choosing the character set per record, or raises :class:`RecordError` with a reason.
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


@dataclass(slots=True)
class SourceRecord:
    position: int
    offset: int
    raw: bytes
    kind: str = "iso2709"  # iso2709 | xml
    text: str | None = None  # ISO 2709 record already decoded from UCS-2
    xml_record: pymarc.Record | None = None


# --- opening sources -------------------------------------------------------------------------


def sniff(head: bytes) -> str:
    """'xml', 'ucs-2' (ISO 2709 in UTF-16) or 'iso2709' from the first bytes of a file."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "ucs-2"
    if len(head) >= 10 and head[1:10:2] == b"\0" * 5 and head[0:10:2].isdigit():
        return "ucs-2"
    if len(head) >= 10 and head[0:10:2] == b"\0" * 5 and head[1:10:2].isdigit():
        return "ucs-2"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped.startswith(b"<"):
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


def iter_iso2709(stream) -> Iterator[SourceRecord]:
    """Split on record terminators (0x1D), never trusting the length in the leader."""
    buffer = b""
    offset = 0
    position = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        buffer += chunk
        parts = buffer.split(RT)
        buffer = parts.pop()
        for part in parts:
            length = len(part) + 1
            body = part.lstrip(b"\r\n\x00 \x1a")
            if body:
                position += 1
                yield SourceRecord(position, offset + len(part) - len(body), body + RT)
            offset += length
    tail = buffer.strip(b"\r\n\x00 \x1a")
    if tail:
        position += 1
        yield SourceRecord(position, offset, tail)


def iter_ucs2(stream) -> Iterator[SourceRecord]:
    """ISO 2709 written entirely in UCS-2/UTF-16 (structure and data)."""
    head = stream.read(4)
    if head.startswith(codecs.BOM_UTF16_LE):
        codec, head = "utf-16-le", head[2:]
    elif head.startswith(codecs.BOM_UTF16_BE):
        codec, head = "utf-16-be", head[2:]
    elif len(head) >= 2 and head[1] == 0:
        codec = "utf-16-le"
    else:
        codec = "utf-16-be"
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(head)
    position = 0
    offset = 0
    while True:
        chunk = stream.read(CHUNK)
        text += decoder.decode(chunk, final=not chunk)
        parts = text.split("\x1d")
        text = parts.pop()
        for part in parts:
            body = part.lstrip("\r\n\x00 \ufeff")
            if body:
                position += 1
                raw = (body + "\x1d").encode(codec, errors="surrogatepass")
                yield SourceRecord(position, offset, raw, text=body + "\x1d")
            offset += (len(part) + 1) * 2
        if not chunk:
            break
    tail = text.strip("\r\n\x00 ")
    if tail:
        position += 1
        yield SourceRecord(position, offset, tail.encode(codec, errors="surrogatepass"), text=tail)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def iter_xml(stream) -> Iterator[SourceRecord]:
    """MARC records in any XML wrapper (MARCXML collection, SRU, OAI-PMH, UNIMARC/CNMARC XML)."""
    from lxml import etree

    position = 0
    context = etree.iterparse(stream, events=("end",), tag="{*}record", huge_tree=True, recover=False)
    try:
        for _event, element in context:
            children = {_local(child.tag) for child in element}
            if not children & {"leader", "controlfield", "datafield"}:
                continue
            position += 1
            raw = etree.tostring(element, encoding="utf-8")
            line = element.sourceline or 0
            try:
                record = xml_element_to_record(element)
                yield SourceRecord(position, line, raw, kind="xml", xml_record=record)
            except RecordError as exc:
                yield SourceRecord(position, line, raw, kind="xml", text=f"!{exc}")
            element.clear(keep_tail=True)
            parent = element.getparent()
            if parent is not None and _local(parent.tag) not in ("recordData", "metadata"):
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        position += 1
        yield SourceRecord(position, exc.lineno or 0, b"", kind="xml", text=f"!XML syntax error: {exc}")


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
    if source.kind == "xml":
        if source.xml_record is None:
            raise RecordError((source.text or "!unreadable XML record")[1:])
        record = source.xml_record
        if flavour == "auto":
            f100 = record.get("100")
            flavour = detect_flavour(
                [f.tag for f in record.fields], str(record.leader), (f100.get("a") or "") if f100 and not f100.is_control_field() else ""
            )
        return record, "utf-8", flavour
    if source.text is not None:
        record, enc = parse_iso2709(source.raw, text=source.text)
        if flavour == "auto":
            f100 = record.get("100")
            flavour = detect_flavour([f.tag for f in record.fields], str(record.leader), (f100.get("a") or "") if f100 and not f100.is_control_field() else "")
        return record, enc, flavour
    if flavour == "auto":
        tags, f100 = raw_tags(source.raw)
        flavour = detect_flavour(tags, source.raw[:24].decode("ascii", "replace"), f100)
    record, enc = parse_iso2709(source.raw, encoding=encoding, flavour=flavour)
    return record, enc, flavour
