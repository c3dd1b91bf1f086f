"""MARC 21 bibliographic record -> plain dict of Instance fields (pure)."""

from __future__ import annotations

import re

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
    "a": "book", "t": "manuscript", "c": "score", "d": "score", "e": "map", "f": "map",
    "g": "video", "i": "audio", "j": "audio", "k": "other", "m": "electronic", "o": "mixed",
    "p": "mixed", "r": "other",
}
RELATORS = {"aut": "author", "edt": "editor", "trl": "translator", "ill": "illustrator", "cmp": "composer",
            "ctb": "contributor", "com": "compiler", "prf": "performer"}
SUBJECT_CODES = "abcdvxyzt"


def material_type(leader: str) -> str:
    kind, level = leader[6:7], leader[7:8]
    if kind == "a" and level in ("b", "i", "s"):
        return "serial"
    return MATERIAL.get(kind, "other")


def _author(field, kind: str) -> dict | None:
    if kind == "personal":
        name = joined(field, "abcq")
    else:
        name = joined(field, "abcdn" if field.tag in ("111", "711") else "ab")
    if not name:
        return None
    roles = [clean(v) for v in subfields(field, "e", "j")] or [RELATORS.get(v.strip(), v.strip()) for v in subfields(field, "4")]
    role = roles[0] if roles else ("author" if field.tag in ("100", "110", "111") else "")
    return {"name": name, "role": role, "type": kind}


def map_marc21(record) -> dict:
    leader = str(record.leader)
    data = new_instance("marc21")
    data["deleted"] = leader[5:6] == "d"
    data["encoding_level"] = leader[17:18].strip()
    data["material_type"] = material_type(leader)
    f008 = control(record, "008")

    cn = control(record, "001")
    data["control_number"] = cn
    numbers = []
    if cn:
        org = control(record, "003")
        numbers.append({"type": "001", "value": cn, **({"source": org} if org else {})})
    for f in datafields(record, "010"):
        numbers += [{"type": "lccn", "value": v.strip()} for v in subfields(f, "a")]
    for f in datafields(record, "015"):
        numbers += [{"type": "nbn", "value": v.strip()} for v in subfields(f, "a")]
    for f in datafields(record, "016"):
        numbers += [{"type": "nba", "value": v.strip()} for v in subfields(f, "a")]
    for f in datafields(record, "035"):
        for v in subfields(f, "a"):
            v = v.strip()
            kind = "035"
            low = v.lower()
            if low.startswith("(calis)"):
                kind = "calis"
            elif low.startswith("(ocolc)"):
                kind = "oclc"
            numbers.append({"type": kind, "value": v})
    data["control_numbers"] = dedupe(numbers)

    f245 = next(iter(datafields(record, "245")), None)
    if f245 is not None:
        title = first(f245, "a")
        other = [clean(v) for v in subfields(f245, "b")]
        parallel = []
        raw_a = (subfields(f245, "a") or [""])[0]
        if other and raw_a.rstrip().endswith("="):
            parallel.append(other.pop(0))
        rest = []
        for o in other:
            if " = " in o:
                head, *par = o.split(" = ")
                rest.append(clean(head))
                parallel += [clean(p) for p in par]
            else:
                rest.append(o)
        data["title"] = clean(title + (" " + first(f245, "k") if not title else ""))
        data["other_title"] = clean(" : ".join(r for r in rest if r))
        data["parallel_titles"] = [p for p in parallel if p]
        data["volume"] = joined(f245, "np", ". ")
        data["responsibility"] = first(f245, "c")
    for f in datafields(record, "880"):
        link = " ".join(subfields(f, "6"))
        if link.startswith("245") and first(f, "a"):
            data["parallel_titles"].append(first(f, "a"))
    for f in datafields(record, "246"):
        if f.indicator2 == "1":
            data["parallel_titles"].append(first(f, "a"))
    data["parallel_titles"] = dedupe(data["parallel_titles"])

    authors = []
    for f in datafields(record, "100", "700"):
        authors.append(_author(f, "personal"))
    for f in datafields(record, "110", "111", "710", "711"):
        authors.append(_author(f, "corporate"))
    data["authors"] = dedupe([a for a in authors if a])

    for f in datafields(record, "250"):
        data["edition"] = joined(f, "ab")
        break
    pub = [f for f in datafields(record, "264") if f.indicator2 == "1"] or datafields(record, "260")
    if pub:
        f = pub[0]
        data["place"] = first(f, "a")
        data["publisher"] = first(f, "b")
        data["year"] = year_from(" ".join(subfields(f, "c")))
    if data["year"] is None and len(f008) >= 11:
        data["year"] = year_from(f008[7:11]) if f008[7:11].isdigit() else None
    for f in datafields(record, "300"):
        data["extent"] = first(f, "a")
        break
    series = []
    for f in datafields(record, "490", "830", "440"):
        title = first(f, "a")
        if title:
            vol = first(f, "v")
            series.append(f"{title} ; {vol}" if vol else title)
    data["series"] = dedupe(series)

    isbns = []
    for f in datafields(record, "020"):
        quals = [clean(q) for q in subfields(f, "q")]
        for v in subfields(f, "a"):
            entry = isbn_entry(v, quals[0] if quals else "")
            if entry:
                isbns.append(entry)
        for v in subfields(f, "z"):
            entry = isbn_entry(v, cancelled=True)
            if entry:
                isbns.append(entry)
        if not data["price"]:
            data["price"] = first(f, "c")
    data["isbns"] = dedupe(isbns)
    data["issns"] = dedupe([clean(v) for f in datafields(record, "022") for v in subfields(f, "a")])

    langs = []
    for f in datafields(record, "041"):
        for v in subfields(f, "a", "d"):
            v = v.strip().lower()
            langs += [v[i : i + 3] for i in range(0, len(v), 3) if len(v[i : i + 3]) == 3]
    if not langs and len(f008) >= 38 and f008[35:38].strip(" |"):
        langs.append(f008[35:38].lower())
    data["languages"] = dedupe(langs)

    for f in datafields(record, "084"):
        scheme = " ".join(subfields(f, "2")).lower()
        if scheme.startswith("clc") or "中图" in scheme or scheme.startswith("cclc"):
            data["clc"] += [clean(v) for v in subfields(f, "a")]
    data["clc"] = dedupe(data["clc"])
    data["ddc"] = dedupe([clean(v).replace("/", "") for f in datafields(record, "082") for v in subfields(f, "a")])
    data["lcc"] = dedupe([joined(f, "ab") for f in datafields(record, "050")])

    subjects = []
    for f in record.fields:
        if f.tag.startswith("6") and f.tag[1:].isdigit() and not f.is_control_field() and f.tag < "700":
            parts = [clean(v) for v in subfields(f, *SUBJECT_CODES)]
            text = " -- ".join(p for p in parts if p)
            if text:
                subjects.append(text)
    data["subjects"] = dedupe(subjects)
    data["summary"] = " ".join(clean(v) if v.rstrip().endswith(("/", ":", ";", ",", "=")) else " ".join(v.split())
                               for f in datafields(record, "520") for v in subfields(f, "a"))
    data["price"] = re.sub(r"\s+", " ", data["price"]).strip()
    return truncate(data)
