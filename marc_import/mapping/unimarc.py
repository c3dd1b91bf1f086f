"""CNMARC/UNIMARC bibliographic record -> plain dict of Instance fields (pure)."""

from __future__ import annotations

from marc_import.mapping.common import (
    clean,
    control,
    datafields,
    dedupe,
    first,
    isbn_entry,
    joined,
    new_instance,
    subfields,
    truncate,
    year_from,
)

MATERIAL = {
    "a": "book", "b": "manuscript", "c": "score", "d": "score", "e": "map", "f": "map",
    "g": "video", "i": "audio", "j": "audio", "k": "other", "l": "electronic", "m": "mixed", "r": "other",
}
# UNIMARC relator codes (Appendix C) most used by Chinese cataloguers.
RELATORS = {"070": "author", "340": "editor", "730": "translator", "440": "illustrator", "651": "editor-in-chief",
            "080": "author of preface", "220": "compiler", "557": "organiser", "595": "research team head",
            "010": "adapter", "020": "annotator", "230": "composer", "273": "curator", "305": "dissertant"}


def material_type(leader: str) -> str:
    kind, level = leader[6:7], leader[7:8]
    if kind == "a" and level == "s":
        return "serial"
    return MATERIAL.get(kind, "other")


def _role(field) -> str:
    codes = [v.strip() for v in subfields(field, "4")]
    return RELATORS.get(codes[0], codes[0]) if codes else ("author" if field.tag in ("700", "710") else "")


def _personal(field) -> dict | None:
    a, b = first(field, "a"), first(field, "b")
    name = f"{a}, {b}" if a and b else a or b
    if not name:
        return None
    if field.indicator2 == "1" or not b:
        name = name  # Chinese names (ind2 = 0) are written in direct order
    return {"name": clean(name), "role": _role(field), "type": "personal"}


def _corporate(field) -> dict | None:
    name = joined(field, "ab", ". ")
    return {"name": name, "role": _role(field), "type": "corporate"} if name else None


def map_unimarc(record) -> dict:
    leader = str(record.leader)
    data = new_instance("unimarc")
    data["deleted"] = leader[5:6] == "d"
    data["encoding_level"] = leader[17:18].strip()
    data["material_type"] = material_type(leader)

    cn = control(record, "001")
    data["control_number"] = cn
    numbers = [{"type": "001", "value": cn}] if cn else []
    for f in datafields(record, "020"):
        for v in subfields(f, "b"):
            country = first(f, "a")
            numbers.append({"type": "nbn", "value": v.strip(), **({"country": country} if country else {})})
    for f in datafields(record, "035"):
        for v in subfields(f, "a"):
            v = v.strip()
            numbers.append({"type": "calis" if v.lower().startswith("(calis)") else "035", "value": v})
    data["control_numbers"] = dedupe(numbers)

    f200 = next(iter(datafields(record, "200")), None)
    if f200 is not None:
        titles = [clean(v) for v in subfields(f200, "a")]
        data["title"] = " ; ".join(t for t in titles if t)
        data["parallel_titles"] = [clean(v) for v in subfields(f200, "d") if clean(v)]
        data["other_title"] = " : ".join(clean(v) for v in subfields(f200, "e") if clean(v))
        data["volume"] = joined(f200, "hi", ". ")
        data["responsibility"] = " ; ".join(clean(v) for v in subfields(f200, "f", "g") if clean(v))
    for f in datafields(record, "510"):
        data["parallel_titles"].append(first(f, "a"))
    data["parallel_titles"] = dedupe(data["parallel_titles"])

    authors = [_personal(f) for f in datafields(record, "700", "701", "702")]
    authors += [_corporate(f) for f in datafields(record, "710", "711", "712")]
    data["authors"] = dedupe([a for a in authors if a])

    for f in datafields(record, "205"):
        data["edition"] = joined(f, "ab")
        break
    pub = datafields(record, "210") or datafields(record, "214")
    if pub:
        f = pub[0]
        data["place"] = first(f, "a")
        data["publisher"] = first(f, "c")
        data["year"] = year_from(" ".join(subfields(f, "d")))
    f100 = next(iter(datafields(record, "100")), None)
    code100 = first(f100, "a") if f100 is not None else ""
    if data["year"] is None and len(code100) >= 13 and code100[9:13].isdigit():
        data["year"] = year_from(code100[9:13])
    for f in datafields(record, "215"):
        data["extent"] = first(f, "a")
        break
    series = []
    for f in datafields(record, "225", "410"):
        title = first(f, "a") or first(f, "t")
        if title:
            vol = first(f, "v")
            series.append(f"{title} ; {vol}" if vol else title)
    data["series"] = dedupe(series)

    isbns = []
    for f in datafields(record, "010"):
        qual = first(f, "b")
        for v in subfields(f, "a"):
            entry = isbn_entry(v, qual)
            if entry:
                isbns.append(entry)
        for v in subfields(f, "z"):
            entry = isbn_entry(v, cancelled=True)
            if entry:
                isbns.append(entry)
        if not data["price"]:
            data["price"] = first(f, "d")
    data["isbns"] = dedupe(isbns)
    data["issns"] = dedupe([clean(v) for f in datafields(record, "011") for v in subfields(f, "a")])
    data["languages"] = dedupe([v.strip().lower() for f in datafields(record, "101") for v in subfields(f, "a")])
    data["clc"] = dedupe([clean(v) for f in datafields(record, "690") for v in subfields(f, "a")])
    data["ddc"] = dedupe([clean(v) for f in datafields(record, "676") for v in subfields(f, "a")])
    data["lcc"] = dedupe([joined(f, "ab") for f in datafields(record, "680")])

    subjects = []
    for f in datafields(record, "600", "601", "602", "604", "605", "606", "607", "608", "610"):
        parts = [clean(v) for v in subfields(f, "a", "b", "j", "x", "y", "z")]
        text = " -- ".join(p for p in parts if p)
        if text:
            subjects.append(text)
    data["subjects"] = dedupe(subjects)
    data["summary"] = " ".join(" ".join(v.split()) for f in datafields(record, "330") for v in subfields(f, "a"))
    return truncate(data)
