"""Hostile MARC files made from real ones: the mutators, and the checks an import must pass on them.

Pure code (no Django) except :func:`import_and_check`, which runs the real import service. Used by
the fuzz tests in this folder and by ``benchmarks/fuzz_import.py``.

A :class:`Seed` is a real file (ISO 2709 in one character set, UCS-2, or MARCXML). A mutator takes a
seed and a ``random.Random`` and returns the bytes of a damaged file. Structural mutators work on
the raw bytes (cut lengths, bad directories, missing terminators, byte flips); content mutators
change one field and rebuild a correct directory, so they test decoding and storage rather than
the reader (invalid bytes in the seed's own character set, NUL and control characters in each kind
of field, huge words and fields). XML mutators break the markup or smuggle in entities.

Every import of a mutated file must keep these promises (:func:`check_import`):

- no exception escapes the import;
- every record read is counted once: read = created + updated + unchanged + deleted + rejected,
  and each rejected record has a quarantined row;
- a quarantined record holds exactly the input's bytes at its offset;
- a job that says "done" has accounted for every record begun in the file: it read at least as
  many records as the file has record terminators (ISO 2709) or MARC ``<record>`` start tags (XML).
"""

from __future__ import annotations

import codecs
import random
import re
import signal
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

RT, FT, SD = b"\x1d", b"\x1e", b"\x1f"
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SHARED = HERE.parents[1].parent / "shared" / "data"
# A marker an external XML entity points at: it must never reach the database.
SECRET = "FUZZ-EXTERNAL-ENTITY-WAS-READ"


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes
    container: str  # iso2709 | ucs-2 | xml
    encoding: str  # the character set of the data: utf-8, marc-8, gb18030, gbk, ucs-2, cp1251, koi8-r, cp866

    def records(self) -> list[bytes]:
        return split_iso(self.data) if self.container == "iso2709" else []


@dataclass
class Case:
    """One hostile file: which mutation of which seed, with the random seed to make it again."""

    mutation: str
    seed: str
    data: bytes
    container: str
    n: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.mutation}-{self.seed}-{self.n}"


# --- seeds --------------------------------------------------------------------------------------

def _iso(name: str, path: Path, encoding: str) -> Seed:
    return Seed(name, path.read_bytes(), "iso2709", encoding)


def _transcode_single_byte(data: bytes, source: str, target: str) -> bytes:
    """A single-byte Cyrillic ISO 2709 file in another single-byte set (lengths stay the same)."""
    out = []
    for raw in split_iso(data):
        out.append(raw[:24] + raw[24:].decode(source).encode(target))
    return b"".join(out)


def shipped_seeds() -> list[Seed]:
    """Small seeds shipped with the tests (permissive licences; see data/SOURCES.md)."""
    inp, own = DATA / "input", DATA / "fuzz_seeds"
    cp1251 = (inp / "marc21_cp1251.mrc").read_bytes()
    return [
        _iso("marc21_utf8", inp / "marc21_utf8_blank_leader09.mrc", "utf-8"),
        _iso("marc21_marc8", inp / "marc21_marc8_latin.mrc", "marc-8"),
        _iso("marc21_marc8_cjk", inp / "marc21_marc8_cjk.mrc", "marc-8"),
        _iso("cnmarc_gb18030", inp / "cnmarc_gb18030.mrc", "gb18030"),
        _iso("marc21_gbk", inp / "marc21_gbk.mrc", "gbk"),
        _iso("cnmarc_utf8", inp / "cnmarc_utf8.mrc", "utf-8"),
        _iso("marc21_cp1251", inp / "marc21_cp1251.mrc", "cp1251"),
        Seed("marc21_koi8r", _transcode_single_byte(cp1251, "cp1251", "koi8-r"), "iso2709", "koi8-r"),
        _iso("unimarc_cp866", own / "unimarc_cp866.mrc", "cp866"),
        Seed("cnmarc_ucs2", (inp / "cnmarc_ucs2.mrc").read_bytes(), "ucs-2", "ucs-2"),
        Seed("marcxml", (own / "marcxml_batch.xml").read_bytes(), "xml", "utf-8"),
        Seed("marcxml_sru", (inp / "marc21_chinese_sru.xml").read_bytes(), "xml", "utf-8"),
    ]


# Files from the shared test-data folder for the long benchmark run: (path, container, encoding).
SHARED_SEEDS = [
    ("pymarc/test.dat", "iso2709", "marc-8"),
    ("pymarc/marc.dat", "iso2709", "marc-8"),
    ("pymarc/utf8_with_leader_flag.dat", "iso2709", "utf-8"),
    ("pymarc/1251.dat", "iso2709", "cp1251"),
    ("pymarc/batch.xml", "xml", "utf-8"),
    ("marc4j/brkrtest.mrc", "iso2709", "marc-8"),
    ("marc4j/brkrtest_UTF8.mrc", "iso2709", "utf-8"),
    ("marc4j/sample1.mrc", "iso2709", "marc-8"),
    ("marc4j/sample1a.xml", "xml", "utf-8"),
    ("marc4j/chabon.xml", "xml", "utf-8"),
    ("ruby-marc/cp866_multirecord.marc", "iso2709", "cp866"),
    ("yaz/marc12.marc", "iso2709", "marc-8"),
    ("derived/sample_cnmarcxml.DERIVED.gb18030.iso", "iso2709", "gb18030"),
    ("derived/sample_cnmarcxml.DERIVED.utf8.iso", "iso2709", "utf-8"),
    ("dp2/sample_marcxml.xml", "xml", "utf-8"),
    ("dp2/sample_cnmarcxml.xml", "xml", "utf-8"),
    ("xbib-marc/periouni.mrc", "iso2709", "utf-8"),
    ("evergreen/jazz_1k.mrc", "iso2709", "marc-8"),
    ("evergreen/lul_fre_500.mrc", "iso2709", "marc-8"),
    ("evergreen/hebrew.marc", "iso2709", "marc-8"),
    ("evergreen/nepali.marc", "iso2709", "utf-8"),
    ("evergreen/serials_marc21.xml", "xml", "utf-8"),
]


def shared_seeds(root: Path = SHARED, max_records: int = 400) -> list[Seed]:
    """Seeds read from the shared test-data folder (absent on a clean clone: then none)."""
    seeds = []
    for rel, container, encoding in SHARED_SEEDS:
        path = root / rel
        if not path.is_file():
            continue
        data = path.read_bytes()
        if container == "iso2709":
            data = b"".join(split_iso(data)[:max_records])
        name = rel.replace("/", "_").rsplit(".", 1)[0]
        seeds.append(Seed(name, data, container, encoding))
    if (root / "pymarc" / "1251.dat").is_file():
        data = (root / "pymarc" / "1251.dat").read_bytes()
        seeds.append(Seed("pymarc_1251_koi8r", _transcode_single_byte(data, "cp1251", "koi8-r"), "iso2709", "koi8-r"))
    return seeds


# --- ISO 2709 structure -----------------------------------------------------------------------

_BLANK = b"\r\n\x00 \x1a"


def split_iso(data: bytes) -> list[bytes]:
    """The records of an ISO 2709 file, each with its terminator (a last one cut short has none)."""
    parts = data.split(RT)
    tail = parts.pop().strip(_BLANK)
    return [part.lstrip(_BLANK) + RT for part in parts if part.strip(_BLANK)] + ([tail] if tail else [])


def parse_fields(raw: bytes) -> tuple[bytes, list[list]] | None:
    """(leader, [[tag, field bytes without terminator], ...]) by the directory; None if it is unusable."""
    try:
        base = int(raw[12:17])
        end = raw.index(FT, 24)
    except ValueError:
        return None
    directory = raw[24:end]
    fields = []
    for i in range(0, len(directory) - 11, 12):
        entry = directory[i:i + 12]
        if not entry[3:].isdigit():
            return None
        length, start = int(entry[3:7]), int(entry[7:12])
        chunk = raw[base + start: base + start + length]
        if not chunk.endswith(FT):
            return None
        fields.append([entry[:3], chunk[:-1]])
    return raw[:24], fields


def build(leader: bytes, fields: list[list], *, wrap_lengths: bool = False) -> bytes:
    """An ISO 2709 record with a correct directory, base address and record length.

    Lengths that need more than 4 digits are wrapped (``wrap_lengths``), as some systems write
    them, or written in full (which breaks the directory's 12-byte entries)."""
    directory, data = b"", b""
    for tag, chunk in fields:
        length = len(chunk) + 1
        if wrap_lengths:
            length %= 10000
        directory += tag + b"%04d%05d" % (length, len(data))
        data += chunk + FT
    base = 24 + len(directory) + 1
    total = base + len(data) + 1
    leader = b"%05d" % (total % 100000) + leader[5:12] + b"%05d" % base + leader[17:24]
    return leader + directory + FT + data + RT


def _data_fields(fields: list[list]) -> list[int]:
    return [i for i, (tag, chunk) in enumerate(fields) if not (tag.isdigit() and tag < b"010") and SD in chunk]


def _control_fields(fields: list[list]) -> list[int]:
    return [i for i, (tag, _chunk) in enumerate(fields) if tag.isdigit() and tag < b"010"]


def _title_field(fields: list[list]) -> int | None:
    for wanted in (b"245", b"200"):
        for i, (tag, _chunk) in enumerate(fields):
            if tag == wanted:
                return i
    data = _data_fields(fields)
    return data[0] if data else None


_XML_001 = re.compile(rb'(<(?:[\w.-]+:)?controlfield\s+tag="001"[^>]*>)([^<]*)(<)')
_XML_TITLE = re.compile(rb'(<(?:[\w.-]+:)?datafield\s+tag="(?:245|200)"[^>]*>\s*<(?:[\w.-]+:)?subfield\s+code="a"[^>]*>)')
_XML_IDS = re.compile(rb'<((?:[\w.-]+:)?)datafield\s+tag="(?:010|011|020|022)"[^>]*>.*?</\1datafield>', re.S)
IDENTIFIER_TAGS = (b"010", b"011", b"020", b"022")


def with_identity(seed: Seed, prefix: str) -> Seed:
    """``seed`` with records of their own: a unique control number (001), a unique word in front of
    the title and no ISBN or ISSN, so files made from one seed are stored and clustered as
    separate records instead of updating or matching each other."""
    if seed.container == "xml":
        count = iter(range(1, 10**6))
        data = _XML_001.sub(lambda m: m.group(1) + f"{prefix}-{next(count)}".encode() + m.group(3), seed.data)
        data = _XML_TITLE.sub(lambda m: m.group(1) + f"{prefix.replace('_', '')} ".encode(), data)
        return Seed(seed.name, _XML_IDS.sub(b"", data), seed.container, seed.encoding)
    if seed.container != "iso2709":
        return seed
    records = []
    for i, raw in enumerate(split_iso(seed.data), 1):
        parsed = parse_fields(raw)
        if parsed is None:
            records.append(raw)
            continue
        leader, fields = parsed
        fields = [f for f in fields if f[0] != b"001" and f[0] not in IDENTIFIER_TAGS]
        title = _title_field(fields)
        if title is not None:
            word = f"{prefix.replace('_', '')}{i} ".encode()
            fields[title][1] = fields[title][1].replace(SD + b"a", SD + b"a" + word, 1)
        records.append(build(leader, [[b"001", f"{prefix}-{i}".encode()], *fields]))
    return Seed(seed.name, b"".join(records), seed.container, seed.encoding)


# --- bytes that are invalid in each character set ------------------------------------------------

INVALID = {
    "utf-8": [b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe4\xb8"],
    "marc-8": [b"\x1b(Z", b"\x1b", b"\x1b$1\x21", b"\xaf", b"\xff\xfe", b"\x1b$1\x7f\x7f\x7f"],
    "gb18030": [b"\x81", b"\x81\x30", b"\xff", b"\x81\x30\x81", b"\xa1"],
    "gbk": [b"\x81", b"\xff", b"\x80", b"\xa1"],
    "cp1251": [b"\x98", b"\xc3\xa9", b"\xa1\xa1\xa1", b"\x1b(B"],
    "koi8-r": [b"\xc3\xa9", b"\x81\x30", b"\x1b$1"],
    "cp866": [b"\xff\xfe", b"\xc3\xa9", b"\x1b(B"],
}
_FORCE_NUL = False  # set by the nul_* variants of the control-character mutators


def _control(rng: random.Random, choices: list[bytes]) -> bytes:
    return b"\x00" if _FORCE_NUL else rng.choice(choices)


CONTROL = [b"\x00", b"\x01", b"\x07", b"\x08", b"\x0b", b"\x0c", b"\x1b", b"\x7f", b"\x00\x00\x00"]


# --- mutators ----------------------------------------------------------------------------------

Mutator = Callable[[Seed, random.Random], bytes]
MUTATORS: dict[str, tuple[tuple[str, ...], Mutator]] = {}


def mutator(*containers: str):
    def register(fn: Mutator) -> Mutator:
        MUTATORS[fn.__name__] = (containers, fn)
        return fn
    return register


def _pick_record(seed: Seed, rng: random.Random) -> tuple[list[bytes], int]:
    records = seed.records()
    return records, rng.randrange(len(records))


def _replace_record(seed: Seed, rng: random.Random, change: Callable[[bytes], bytes]) -> bytes:
    records, i = _pick_record(seed, rng)
    records[i] = change(records[i])
    return b"".join(records)


def _change_fields(seed: Seed, rng: random.Random, change: Callable[[bytes, list[list]], bytes | None]) -> bytes:
    """Change the parsed fields of one record that has a usable directory; the record is rebuilt."""
    records = seed.records()
    order = list(range(len(records)))
    rng.shuffle(order)
    for i in order:
        parsed = parse_fields(records[i])
        if parsed is None:
            continue
        leader, fields = parsed
        new = change(leader, fields)
        if new is not None:
            records[i] = new
            return b"".join(records)
    raise ValueError(f"no record of {seed.name} can take this mutation")


@mutator("iso2709")
def truncated_file(seed, rng):
    return seed.data[: rng.randrange(1, len(seed.data))]


@mutator("iso2709")
def bad_record_length(seed, rng):
    values = [b"00000", b"99999", b"0000a", b"-1234", b"     ", b"00024"]

    def change(raw):
        value = rng.choice(values + [b"%05d" % max(0, int(raw[:5] or 0) + rng.randint(-40, 40))
                                     if raw[:5].isdigit() else b"12345"])
        return value + raw[5:]
    return _replace_record(seed, rng, change)


@mutator("iso2709")
def bad_base_address(seed, rng):
    def change(raw):
        current = int(raw[12:17]) if raw[12:17].isdigit() else 100
        value = rng.choice([b"00000", b"00024", b"99999", b"1x345", b"     ", b"%05d" % (len(raw) + 7),
                            b"%05d" % max(0, current + rng.choice([-13, -1, 1, 12]))])
        return raw[:12] + value + raw[17:]
    return _replace_record(seed, rng, change)


@mutator("iso2709")
def bad_directory(seed, rng):
    def change(raw):
        end = raw.find(FT, 24)
        if end < 36:
            return raw[:30] + b"x" + raw[31:]
        entries = (end - 24) // 12
        at = 24 + 12 * rng.randrange(entries)
        how = rng.randrange(6)
        if how == 0:  # non-digit length
            return raw[:at + 3] + b"00x1" + raw[at + 7:]
        if how == 1:  # length past the end
            return raw[:at + 3] + b"9999" + raw[at + 7:]
        if how == 2:  # start past the end
            return raw[:at + 7] + b"99999" + raw[at + 12:]
        if how == 3:  # one byte lost: every later entry is misaligned
            return raw[:at + rng.randrange(12)] + raw[at + rng.randrange(12) + 1:]
        if how == 4:  # an entry repeated
            return raw[:at] + raw[at:at + 12] + raw[at:]
        return raw[:end] + raw[end + 1:]  # directory without its terminator
    return _replace_record(seed, rng, change)


@mutator("iso2709")
def missing_field_terminator(seed, rng):
    def change(raw):
        ends = [m.start() for m in re.finditer(FT, raw)]
        at = rng.choice(ends)
        return raw[:at] + raw[at + 1:]
    return _replace_record(seed, rng, change)


@mutator("iso2709")
def doubled_field_terminator(seed, rng):
    def change(raw):
        ends = [m.start() for m in re.finditer(FT, raw)]
        at = rng.choice(ends)
        return raw[:at] + FT + raw[at:]
    return _replace_record(seed, rng, change)


@mutator("iso2709")
def missing_record_terminator(seed, rng):
    records, i = _pick_record(seed, rng)
    records[i] = records[i][:-1]
    return b"".join(records)


@mutator("iso2709")
def doubled_record_terminator(seed, rng):
    records, i = _pick_record(seed, rng)
    where = rng.randrange(3)
    if where == 0:
        records[i] += RT
    else:  # a terminator in the middle of the record splits it in two
        at = rng.randrange(1, len(records[i]) - 1)
        records[i] = records[i][:at] + RT + records[i][at:]
    return b"".join(records)


@mutator("iso2709", "ucs-2")
def byte_flips(seed, rng):
    data = bytearray(seed.data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data))
        data[at] ^= rng.randrange(1, 256)
    return bytes(data)


@mutator("iso2709")
def invalid_bytes(seed, rng):
    bad = INVALID.get(seed.encoding, INVALID["utf-8"])

    def change(leader, fields):
        data = _data_fields(fields)
        if not data:
            return None
        i = rng.choice(data)
        chunk = fields[i][1]
        at = rng.randrange(chunk.index(SD) + 2, len(chunk) + 1) if chunk.index(SD) + 2 <= len(chunk) else len(chunk)
        fields[i][1] = chunk[:at] + rng.choice(bad) + chunk[at:]
        return build(leader, fields)
    return _change_fields(seed, rng, change)


@mutator("iso2709")
def control_in_leader(seed, rng):
    def change(raw):
        at = rng.choice([5, 6, 7, 8, 9, 10, 11, 17, 18, 19, 20, 21, 22, 23])
        return raw[:at] + _control(rng, [b"\x00", b"\x01", b"\x1f", b"\x7f", b"\xff"]) + raw[at + 1:]
    return _replace_record(seed, rng, change)


@mutator("iso2709")
def control_in_control_field(seed, rng):
    def change(leader, fields):
        controls = _control_fields(fields)
        if not controls:
            return None
        i = rng.choice(controls)
        chunk = fields[i][1]
        at = rng.randrange(len(chunk) + 1)
        fields[i][1] = chunk[:at] + _control(rng, CONTROL) + chunk[at:]
        return build(leader, fields)
    return _change_fields(seed, rng, change)


@mutator("iso2709")
def nul_in_control_number(seed, rng):
    """A NUL inside the control number (001), which the import also uses as the record's key."""
    def change(leader, fields):
        found = [i for i, (tag, _chunk) in enumerate(fields) if tag == b"001"]
        if not found:
            fields.insert(0, [b"001", b"fuzz"])
            found = [0]
        chunk = fields[found[0]][1]
        at = rng.randrange(len(chunk) + 1)
        fields[found[0]][1] = chunk[:at] + b"\x00" + chunk[at:]
        return build(leader, fields)
    return _change_fields(seed, rng, change)


@mutator("iso2709")
def control_in_indicator(seed, rng):
    def change(leader, fields):
        data = _data_fields(fields)
        if not data:
            return None
        i = rng.choice(data)
        chunk = fields[i][1]
        at = rng.randrange(2) if chunk.index(SD) >= 2 else 0
        fields[i][1] = chunk[:at] + _control(rng, [b"\x00", b"\x01", b"\x1b", b"\x7f"]) + chunk[at + 1:]
        return build(leader, fields)
    return _change_fields(seed, rng, change)


@mutator("iso2709")
def control_subfield_code(seed, rng):
    def change(leader, fields):
        data = _data_fields(fields)
        if not data:
            return None
        i = rng.choice(data)
        chunk = fields[i][1]
        codes = [m.start() + 1 for m in re.finditer(SD, chunk) if m.start() + 1 < len(chunk)]
        if not codes:
            return None
        at = rng.choice(codes)
        fields[i][1] = chunk[:at] + _control(rng, [b"\x00", b"\x01", b"\x07", b"\x1b", b"\x7f", b" "]) + chunk[at + 1:]
        return build(leader, fields)
    return _change_fields(seed, rng, change)


@mutator("iso2709")
def control_in_data(seed, rng):
    def change(leader, fields):
        i = _title_field(fields)
        if i is None:
            return None
        chunk = fields[i][1]
        start = chunk.find(SD) + 2 if SD in chunk else 0
        at = rng.randrange(start, len(chunk) + 1) if start <= len(chunk) else len(chunk)
        fields[i][1] = chunk[:at] + _control(rng, CONTROL) + chunk[at:]
        return build(leader, fields)
    return _change_fields(seed, rng, change)


def huge_word_text(rng: random.Random, size: int = 3000) -> bytes:
    letters = b"abcdefghijklmnopqrstuvwxyz"
    return b"huge" + bytes(rng.choice(letters) for _ in range(size - 4))


@mutator("iso2709")
def huge_word(seed, rng):
    def change(leader, fields):
        i = _title_field(fields)
        if i is None:
            return None
        fields[i][1] += SD + b"b" + huge_word_text(rng)
        return build(leader, fields)
    return _change_fields(seed, rng, change)


@mutator("iso2709")
def huge_run(seed, rng):
    """An 80 KB run of ' . . .' spread over nine notes of 9,000 bytes (each a legal field)."""
    def change(leader, fields):
        notes = [[b"500", b"  " + SD + b"a" + b" ." * 4500] for _ in range(9)]
        return build(leader, fields + notes)
    return _change_fields(seed, rng, change)


@mutator("iso2709")
def oversize_field(seed, rng):
    """One 20,000-byte field: its length does not fit the directory's four digits."""
    def change(leader, fields):
        fields = fields + [[b"520", b"  " + SD + b"a" + b" ." * 10000]]
        return build(leader, fields, wrap_lengths=rng.random() < 0.5)
    return _change_fields(seed, rng, change)


# UCS-2: the whole record is UTF-16, so damage is made in code units.

def _ucs2_codec(data: bytes) -> str:
    return "utf-16-be" if data.startswith(codecs.BOM_UTF16_BE) else "utf-16-le"


@mutator("ucs-2")
def ucs2_odd_cut(seed, rng):
    return seed.data[: rng.randrange(3, len(seed.data), 2)]


@mutator("ucs-2")
def ucs2_lone_surrogate(seed, rng):
    unit = rng.choice(["\ud800", "\udfff", "\ufffe", "\x00", "\x07"]).encode(_ucs2_codec(seed.data), "surrogatepass")
    at = rng.randrange(60, len(seed.data) // 2) * 2
    return seed.data[:at] + unit + seed.data[at:]


@mutator("ucs-2")
def ucs2_terminators(seed, rng):
    codec = _ucs2_codec(seed.data)
    rt, ft = "\x1d".encode(codec), "\x1e".encode(codec)
    which = rng.choice([rt, ft])
    spots = [m.start() for m in re.finditer(re.escape(which), seed.data) if m.start() % 2 == 0]
    at = rng.choice(spots)
    if rng.random() < 0.5:
        return seed.data[:at] + seed.data[at + 2:]
    return seed.data[:at] + which + seed.data[at:]


# MARCXML.

_XML_DECL = re.compile(rb"^(\xef\xbb\xbf)?(<\?xml[^>]*\?>)?")
_SUBFIELD_TEXT = re.compile(rb"(<(?:[\w.-]+:)?subfield\b[^>]*>)([^<]*)(</)")
_CLOSING = re.compile(rb"</(?:[\w.-]+:)?(?:subfield|datafield|controlfield|record|leader)>")
_CODE = re.compile(rb'code="[^"]*"')
_MARC_NS = re.compile(rb"http://www\.loc\.gov/MARC21/slim")


def _in_subfield(data: bytes, rng: random.Random, text: bytes, title: bool = False) -> bytes:
    spots = list(_SUBFIELD_TEXT.finditer(data))
    if title:
        spots = [m for m in spots if b'code="a"' in m.group(1)][:3] or spots
    m = rng.choice(spots)
    at = rng.randrange(m.start(2), m.end(2) + 1)
    return data[:at] + text + data[at:]


def _with_doctype(data: bytes, doctype: bytes) -> bytes:
    m = _XML_DECL.match(data)
    return data[:m.end()] + b"\n" + doctype + data[m.end():]


@mutator("xml")
def xml_truncated(seed, rng):
    return seed.data[: rng.randrange(1, len(seed.data))]


@mutator("xml")
def xml_unclosed_tag(seed, rng):
    m = rng.choice(list(_CLOSING.finditer(seed.data)))
    return seed.data[:m.start()] + seed.data[m.end():]


@mutator("xml")
def xml_bad_entity(seed, rng):
    bad = rng.choice([b"&nbsp;", b"&bogus;", b"&#0;", b"&#xD800;", b"&#x1F;", b"& ", b"&#99999999;", b"&amp"])
    return _in_subfield(seed.data, rng, bad)


def billion_laughs(levels: int = 6) -> bytes:
    """A DOCTYPE whose entity lol<levels> expands to 3 * 10**levels bytes (not the full billion)."""
    lines = [b'<!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        lines.append(b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10))))
    return b"<!DOCTYPE collection [\n" + b"\n".join(lines) + b"\n]>\n"


@mutator("xml")
def xml_billion_laughs(seed, rng):
    return _in_subfield(_with_doctype(seed.data, billion_laughs()), rng, b"&lol6;", title=True)


def external_entity_doctype(secret_file: Path, port: int | None) -> bytes:
    url = f"http://127.0.0.1:{port}/fuzz-entity" if port else "http://127.0.0.1:9/fuzz-entity"
    return (
        f'<!DOCTYPE collection [\n<!ENTITY xfile SYSTEM "{secret_file.as_uri()}">\n'
        f'<!ENTITY xnet SYSTEM "{url}">\n<!ENTITY % xparam SYSTEM "{url}/dtd">\n%xparam;\n]>\n'
    ).encode()


_SECRET_FILE: Path | None = None
ENTITY_PORT: int | None = None  # a listening socket set up by the harness, to see whether anything calls


def secret_file() -> Path:
    global _SECRET_FILE
    if _SECRET_FILE is None or not _SECRET_FILE.exists():
        handle = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)  # noqa: SIM115
        handle.write(SECRET)
        handle.close()
        _SECRET_FILE = Path(handle.name)
    return _SECRET_FILE


@mutator("xml")
def xml_external_entity(seed, rng):
    data = _with_doctype(seed.data, external_entity_doctype(secret_file(), ENTITY_PORT))
    return _in_subfield(data, rng, rng.choice([b"&xfile;", b"&xnet;", b"&xfile;&xnet;"]), title=True)


@mutator("xml")
def xml_wrong_namespace(seed, rng):
    how = rng.randrange(3)
    if how == 0 and _MARC_NS.search(seed.data):
        return _MARC_NS.sub(b"http://example.org/not-marc", seed.data)
    if how == 1:  # a prefix left undeclared
        return re.sub(rb'\sxmlns(:[\w.-]+)?="http://www\.loc\.gov/MARC21/slim"', b"", seed.data, count=1)
    return re.sub(rb"<(/?)((?:[\w.-]+:)?)datafield\b", rb"<\1\2datafeld", seed.data, count=rng.randint(1, 3))


@mutator("xml")
def xml_invalid_bytes(seed, rng):
    bad = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\x01", b"\x1b", b"\x0c", b"\x1f"])
    return _in_subfield(seed.data, rng, bad)


@mutator("xml")
def xml_control_subfield_code(seed, rng):
    code = rng.choice([b'code="&#x1F;"', b'code="&#9;"', b'code=" "', b'code=""', b'code="ab"', b'code="\xe4\xb8\xad"',
                       b'code="&#10;"'])
    spots = list(_CODE.finditer(seed.data))
    m = rng.choice(spots)
    return seed.data[:m.start()] + code + seed.data[m.end():]


@mutator("xml")
def xml_control_in_data(seed, rng):
    return _in_subfield(seed.data, rng, _control(rng, [b"&#1;", b"&#x7F;", b"&#x85;", b"&#xFFFE;", b"\x7f", b"\xc2\x85"]))


@mutator("xml")
def xml_declared_encoding(seed, rng):
    enc = rng.choice([b"GB18030", b"windows-1251", b"KOI8-R", b"UTF-16", b"ISO-8859-1", b"x-unknown"])
    body = _XML_DECL.sub(b"", seed.data, count=1)
    return b'<?xml version="1.0" encoding="' + enc + b'"?>' + body


@mutator("xml")
def xml_huge_word(seed, rng):
    return _in_subfield(seed.data, rng, huge_word_text(rng), title=True)


@mutator("xml")
def xml_huge_run(seed, rng):
    return _in_subfield(seed.data, rng, b" ." * 40000, title=rng.random() < 0.5)


def _nul_variant(name: str) -> None:
    containers, fn = MUTATORS[name]

    def nul(seed, rng):
        global _FORCE_NUL
        _FORCE_NUL = True
        try:
            return fn(seed, rng)
        finally:
            _FORCE_NUL = False
    MUTATORS[name.replace("control", "nul", 1)] = (containers, nul)


for _name in ("control_in_leader", "control_in_control_field", "control_in_indicator", "control_subfield_code",
              "control_in_data", "xml_control_in_data"):
    _nul_variant(_name)


def mutations_for(seed: Seed) -> list[str]:
    return [name for name, (containers, _fn) in MUTATORS.items() if seed.container in containers]


def make_case(seed: Seed, mutation: str, n: int = 0) -> Case:
    """Mutation ``mutation`` of ``seed`` with random seed ``n`` (the same file every time)."""
    _containers, fn = MUTATORS[mutation]
    rng = random.Random(f"{mutation}/{seed.name}/{n}")
    return Case(mutation, seed.name, fn(seed, rng), seed.container, n)


def stacked_case(seed: Seed, mutations: list[str], n: int = 0) -> Case:
    """Several mutations applied one after another (each to the result of the last)."""
    data = seed.data
    for i, name in enumerate(mutations):
        _containers, fn = MUTATORS[name]
        rng = random.Random(f"{name}/{seed.name}/{n}/{i}")
        try:
            data = fn(Seed(seed.name, data, seed.container, seed.encoding), rng)
        except (ValueError, IndexError):
            continue  # an earlier mutation left nothing this one can work on
    return Case("+".join(mutations), seed.name, data, seed.container, n)


# --- what must hold -----------------------------------------------------------------------------

_XML_RECORD_START = re.compile(
    rb"<(?:[\w.-]+:)?record\b[^>]*>\s*<(?:[\w.-]+:)?(?:leader|controlfield|datafield)\b"
)


def record_units(data: bytes, container: str) -> int:
    """How many records the file begins: record terminators for ISO 2709, MARC record tags for XML."""
    if container == "xml":
        return len(_XML_RECORD_START.findall(data))
    if container == "ucs-2":
        text = data.decode(_ucs2_codec(data), errors="replace")
        return len([p for p in text.split("\x1d") if p.strip("\r\n\x00 \ufeff")])
    return len(split_iso(data))


@dataclass
class Outcome:
    case: Case
    status: str = ""
    read: int = 0
    imported: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    rejected_count: int = 0
    units: int = 0
    escaped: str = ""
    mismatched: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.read - self.imported - self.unchanged - self.deleted - self.quarantined

    @property
    def ok(self) -> bool:
        return not self.problems


class TimedOut(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`TimedOut` in this (main) thread after ``seconds``; a hanging parser must not hang CI."""
    if not seconds:
        yield
        return

    def alarm(_signum, _frame):
        raise TimedOut(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_import(case: Case, job, quarantined: list[tuple[int, int | None, bytes, str]], outcome: Outcome) -> Outcome:
    """Fill ``outcome`` from a finished job and its quarantined rows (position, offset, raw, reason).

    A quarantined record must hold exactly the bytes of the file at its offset, so that
    downloading and resubmitting it gives back what the library sent.
    """
    outcome.status = job.status
    outcome.read = job.read
    outcome.imported = job.created + job.updated
    outcome.unchanged = job.unchanged
    outcome.deleted = job.deleted
    outcome.rejected_count = job.rejected
    outcome.quarantined = len(quarantined)
    if job.rejected != len(quarantined):
        outcome.problems.append(f"job counts {job.rejected} rejected but {len(quarantined)} records are quarantined")
    if outcome.lost:
        outcome.problems.append(
            f"read {job.read} != created {job.created} + updated {job.updated} + unchanged {job.unchanged}"
            f" + deleted {job.deleted} + quarantined {len(quarantined)}"
        )
    for position, offset, raw, reason in quarantined:
        if not raw:
            outcome.mismatched.append(f"record {position} ({reason[:80]}): quarantined with no bytes")
        elif offset is None and raw not in case.data:
            outcome.mismatched.append(f"record {position} ({reason[:80]}): quarantined bytes are not in the input")
        elif offset is not None and case.data[offset:offset + len(raw)] != raw:
            outcome.mismatched.append(
                f"record {position} ({reason[:80]}): quarantined bytes are not the input's at offset {offset}")
    outcome.problems += outcome.mismatched
    outcome.units = record_units(case.data, case.container)
    if job.status == "done" and job.read < outcome.units:
        outcome.problems.append(f"job is done after reading {job.read} of the {outcome.units} records the file begins")
    return outcome


def import_and_check(library, case: Case, *, directory: Path, seconds: float = 20.0) -> Outcome:
    """Import ``case`` through the real import service into ``library`` and check every promise."""
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from marc_import.models import ImportJob, QuarantinedRecord
    from marc_import.services.importer import import_file

    outcome = Outcome(case)
    path = directory / f"{case.id}.{'xml' if case.container == 'xml' else 'mrc'}"
    path.write_bytes(case.data)
    job = None
    try:
        with time_limit(seconds), transaction.atomic():
            job = import_file(library, path, use_worker=False, source_name=case.id)
    except Exception as exc:  # noqa: BLE001 - that is what is being counted
        outcome.escaped = f"{exc.__class__.__name__}: {str(exc)[:300]}"
        outcome.problems.append(f"exception escaped the import: {outcome.escaped}")
        connection.set_schema_to_public()
        return outcome
    with tenant_context(library):
        job = ImportJob.objects.get(pk=job.pk)
        rows = [(p, offset, bytes(raw), reason) for p, offset, raw, reason in
                QuarantinedRecord.objects.filter(job=job).values_list("position", "offset", "raw", "reason")]
        if b"<!DOCTYPE" in case.data:
            outcome.problems += _entity_leaks(job.pk)
    return check_import(case, job, rows, outcome)


def _entity_leaks(job_id: int) -> list[str]:
    """What an expanded or fetched entity left in the catalogue or the quarantine of a job."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for what, needle in (("the external entity's file", SECRET.encode()), ("an expanded entity", b"lol" * 300)):
            cursor.execute("SELECT count(*) FROM catalogue_instance WHERE position(%s::bytea in raw_record) > 0",
                           [needle])
            (instances,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM marc_import_quarantinedrecord WHERE job_id = %s AND "
                           "position(%s::bytea in raw) > 0", [job_id, needle])
            (quarantined,) = cursor.fetchone()
            if instances or quarantined:
                found.append(f"{what} reached {instances} instances and {quarantined} quarantined records")
    return found
