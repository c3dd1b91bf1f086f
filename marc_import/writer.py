"""MARC records written from one neutral description of a bibliographic record (pure).

The inverse of ``marc_import.mapping``: one writer per format, MARC 21 and CNMARC/UNIMARC, so a
local instance and a union record with the same data come out with the same bibliographic
fields, and mapping a written record gives the description back. Holdings fields (MARC 21 852,
CNMARC 905) are added from a neutral holdings list. Callers adapt their own models: an
instance's ISBNs are entries with a validity flag, a union record's are ISBN-13 strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pymarc

from marc_import.mapping.unimarc import RELATORS as UNIMARC_RELATORS

FLAVOURS = ("marc21", "unimarc")

# The fields a description takes as they are from an Instance or a UnionRecord.
BIBLIOGRAPHIC_FIELDS = (
    "title", "other_title", "parallel_titles", "volume", "responsibility", "authors", "edition", "publisher",
    "place", "year", "extent", "series", "issns", "languages", "clc", "subjects", "summary", "material_type",
    "control_numbers",
)

MARC21_TYPE = {"book": "a", "serial": "a", "score": "c", "map": "e", "video": "g", "audio": "j",
               "electronic": "m", "manuscript": "t", "mixed": "p", "other": "a"}
UNIMARC_TYPE = {"score": "c", "map": "e", "video": "g", "audio": "j", "electronic": "l", "manuscript": "b"}
# MARC 21 008/35-37 wants a MARC language code; the mapping keeps what the record said.
MARC21_LANGUAGE = {"chi": "chi", "zh": "chi", "eng": "eng", "en": "eng"}
UNIMARC_RELATOR_CODES = {name: code for code, name in UNIMARC_RELATORS.items()}
CONTROL_NUMBER_PREFIXES = {"oclc": "(OCoLC)", "calis": "(CALIS)", "nbn": "(NLC)", "union": "(UNION)"}


@dataclass(frozen=True)
class Isbn:
    value: str
    valid: bool = True
    qualifier: str = ""


@dataclass(frozen=True)
class Holding:
    """One member library's holdings of the record."""

    library_code: str
    library_name: str = ""
    call_number: str = ""
    items_total: int = 0
    items_available: int = 0


@dataclass
class Description:
    title: str = ""
    other_title: str = ""
    parallel_titles: list[str] = field(default_factory=list)
    volume: str = ""
    responsibility: str = ""
    authors: list[dict] = field(default_factory=list)  # {name, role, type: personal|corporate}
    edition: str = ""
    publisher: str = ""
    place: str = ""
    year: int | None = None
    extent: str = ""
    series: list[str] = field(default_factory=list)
    isbns: list[Isbn] = field(default_factory=list)
    issns: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    clc: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    summary: str = ""
    material_type: str = "book"
    control_numbers: list[dict] = field(default_factory=list)  # {type, value}, written as 035
    price: str = ""
    control_number: str = ""  # 001
    agency: str = ""  # who issues this record: MARC 21 003, UNIMARC 801 $b
    entered: dt.datetime | None = None  # MARC 21 008/00-05, UNIMARC 100 $a/0-7
    changed: dt.datetime | None = None  # 005, UNIMARC 801 $c


def _field(tag: str, ind: str, pairs: Iterable[tuple[str, object]]) -> pymarc.Field | None:
    subfields = [pymarc.Subfield(code, str(value)) for code, value in pairs if value not in (None, "")]
    if not subfields:
        return None  # a data field needs at least one subfield
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators(ind[0], ind[1]), subfields=subfields)


class _Record:
    def __init__(self, leader: str):
        self.record = pymarc.Record(force_utf8=True, leader=leader)

    def control(self, tag: str, data: str) -> None:
        if data:
            self.record.add_field(pymarc.Field(tag=tag, data=data))

    def add(self, tag: str, ind: str, *pairs: tuple[str, object]) -> None:
        made = _field(tag, ind, pairs)
        if made is not None:
            self.record.add_field(made)


def _leader(base: str, kinds: dict, material_type: str) -> str:
    leader = list(base)
    leader[6] = kinds.get(material_type, "a")
    leader[7] = "s" if material_type == "serial" else "m"
    return "".join(leader)


def _year(d: Description) -> str:
    """Four digits, or blanks when the year cannot be one."""
    return f"{d.year:04d}" if d.year and 0 < d.year < 10000 else "    "


def _moment(value: dt.datetime | None) -> dt.datetime:
    return value or dt.datetime.now(dt.UTC)


def _main_and_added(authors: Sequence[dict]) -> tuple[dict | None, list[dict], list[dict]]:
    """The main entry (the first personal name, else the first corporate one) and the other
    personal and corporate names, in order."""
    personal = [a for a in authors if a.get("type") != "corporate"]
    corporate = [a for a in authors if a.get("type") == "corporate"]
    if personal:
        return personal[0], personal[1:], corporate
    if corporate:
        return corporate[0], [], corporate[1:]
    return None, [], []


def _control_035(entry: dict) -> str:
    value = str(entry.get("value") or "").strip()
    kind = str(entry.get("type") or "").lower()
    if not value or kind == "001":
        return ""
    if value.startswith("("):
        return value
    prefix = CONTROL_NUMBER_PREFIXES.get(kind)
    return f"{prefix}{value}" if prefix else ""


def marc21(d: Description, holdings: Iterable[Holding] = ()) -> pymarc.Record:
    out = _Record(_leader("00000nam a2200000 i 4500", MARC21_TYPE, d.material_type))
    out.control("001", d.control_number)
    out.control("003", d.agency)
    out.control("005", _moment(d.changed).strftime("%Y%m%d%H%M%S.0"))
    year = _year(d)
    language = (d.languages or ["und"])[0]
    f008 = _moment(d.entered).strftime("%y%m%d") + ("n" if year.isspace() else "s") + year + "    " + "cc "
    f008 = f008.ljust(35) + MARC21_LANGUAGE.get(language, language[:3].ljust(3)) + " d"
    out.control("008", f008[:40].ljust(40))
    for isbn in d.isbns:
        out.add("020", "  ", ("a", isbn.value if isbn.valid else None), ("z", None if isbn.valid else isbn.value),
                ("q", isbn.qualifier), ("c", d.price))
    for issn in d.issns:
        out.add("022", "  ", ("a", issn))
    for entry in d.control_numbers:
        out.add("035", "  ", ("a", _control_035(entry)))
    if d.languages:
        out.add("041", "  ", *(("a", language) for language in d.languages))
    for clc in d.clc:
        out.add("084", "  ", ("a", clc), ("2", "clc"))
    main, personal, corporate = _main_and_added(d.authors)
    if main is not None:
        if main.get("type") == "corporate":
            out.add("110", "2 ", ("a", main.get("name")), ("e", main.get("role")))
        else:
            out.add("100", "1 ", ("a", main.get("name")), ("e", main.get("role")))
    # ISBD order: the part belongs to the title proper, before other title information.
    out.add("245", ("1" if main is not None else "0") + "0",
            ("a", d.title), ("n", d.volume), ("b", d.other_title), ("c", d.responsibility))
    for parallel in d.parallel_titles:
        out.add("246", "31", ("a", parallel))
    out.add("250", "  ", ("a", d.edition))
    out.add("264", " 1", ("a", d.place), ("b", d.publisher), ("c", d.year or None))
    out.add("300", "  ", ("a", d.extent))
    for series in d.series:
        out.add("490", "0 ", ("a", series))
    out.add("520", "  ", ("a", d.summary))
    for subject in d.subjects:
        out.add("650", " 4", ("a", subject))
    for author in personal:
        out.add("700", "1 ", ("a", author.get("name")), ("e", author.get("role")))
    for author in corporate:
        out.add("710", "2 ", ("a", author.get("name")), ("e", author.get("role")))
    for made in holdings_fields("marc21", holdings):
        out.record.add_field(made)
    return out.record


def _relator(role: str | None) -> str | None:
    """UNIMARC relator code for a role name ("author" -> "070"); unknown names stay as they are."""
    return UNIMARC_RELATOR_CODES.get(role or "", role)


def unimarc(d: Description, holdings: Iterable[Holding] = ()) -> pymarc.Record:
    out = _Record(_leader("00000nam0 2200000   4500", UNIMARC_TYPE, d.material_type))
    out.control("001", d.control_number)
    out.control("005", _moment(d.changed).strftime("%Y%m%d%H%M%S.0"))
    for isbn in d.isbns:
        out.add("010", "  ", ("a", isbn.value if isbn.valid else None), ("z", None if isbn.valid else isbn.value),
                ("b", isbn.qualifier), ("d", d.price))
    for issn in d.issns:
        out.add("011", "  ", ("a", issn))
    for entry in d.control_numbers:
        out.add("035", "  ", ("a", _control_035(entry)))
    year = _year(d)
    general = _moment(d.entered).strftime("%Y%m%d") + ("u" if year.isspace() else "d") + year + "    "
    general += "em y0chiy50      ea"
    out.add("100", "  ", ("a", general[:36].ljust(36)))
    if d.languages:
        out.add("101", "0 ", *(("a", language) for language in d.languages))
    # ISBD order: the part belongs to the title proper, before parallel and other titles.
    out.add("200", "1 ", ("a", d.title), ("h", d.volume), *(("d", p) for p in d.parallel_titles),
            ("e", d.other_title), ("f", d.responsibility))
    out.add("205", "  ", ("a", d.edition))
    out.add("210", "  ", ("a", d.place), ("c", d.publisher), ("d", d.year or None))
    out.add("215", "  ", ("a", d.extent))
    for series in d.series:
        out.add("225", "2 ", ("a", series))
    out.add("330", "  ", ("a", d.summary))
    for subject in d.subjects:
        out.add("606", "0 ", ("a", subject))
    for clc in d.clc:
        out.add("690", "  ", ("a", clc), ("v", "5"))
    main, personal, corporate = _main_and_added(d.authors)
    if main is not None:
        if main.get("type") == "corporate":
            out.add("710", "02", ("a", main.get("name")), ("4", _relator(main.get("role"))))
        else:
            out.add("700", " 0", ("a", main.get("name")), ("4", _relator(main.get("role"))))
    for author in personal:
        out.add("701", " 0", ("a", author.get("name")), ("4", _relator(author.get("role"))))
    for author in corporate:
        out.add("711", "02", ("a", author.get("name")), ("4", _relator(author.get("role"))))
    if d.agency:
        out.add("801", " 2", ("a", "CN"), ("b", d.agency), ("c", _moment(d.changed).strftime("%Y%m%d")))
    for made in holdings_fields("unimarc", holdings):
        out.record.add_field(made)
    return out.record


def holdings_fields(flavour: str, holdings: Iterable[Holding]) -> list[pymarc.Field]:
    """The consortium's published holdings summary: one MARC 21 852 or CNMARC 905 per library
    holding, with its code, call number and copy counts (never a barcode, price or note)."""
    flavour = "unimarc" if flavour == "cnmarc" else flavour
    made = []
    for holding in holdings:
        if flavour == "unimarc":
            field = _field("905", "  ", [("a", holding.library_code), ("d", holding.call_number),
                                          ("f", holding.items_total)])
        else:
            field = _field("852", "  ", [("a", holding.library_code), ("b", holding.library_name),
                                          ("h", holding.call_number), ("t", holding.items_total),
                                          ("z", f"available {holding.items_available}")])
        if field is not None:
            made.append(field)
    return made


WRITERS = {"marc21": marc21, "unimarc": unimarc}


def write(d: Description, flavour: str, holdings: Iterable[Holding] = ()) -> pymarc.Record:
    """``flavour`` is marc21 or unimarc (cnmarc is UNIMARC as China catalogues it)."""
    flavour = "unimarc" if flavour == "cnmarc" else flavour
    if flavour not in WRITERS:
        raise ValueError(flavour)
    return WRITERS[flavour](d, holdings)
