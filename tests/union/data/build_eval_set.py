"""Build the labelled matching evaluation set (eval_set.json) from real public records.

Run from the repository root when the shared test data folder (``../shared/data``) is present:

    python tests/union/data/build_eval_set.py

Base records (real): the 10 Chinese CNMARC and 10 Chinese MARC 21 records of the dp2 SRU samples
(Apache-2.0), the 383 editions of Pride and Prejudice from marc4j (LGPL-2.1) and 50 serials from
the xbib ZDB OAI sample (Apache-2.0). Each real record is one entity; generated copies of it
(as another member would catalogue it: ISBN-10 instead of 13, hyphens, traditional characters,
full-width forms, extra spacing and punctuation, missing ISBN, a different 035) carry the same
entity. Generated hard cases carry their own entities: the same title in another volume, another
edition or year, another material type, and one ISBN wrongly printed on two different books.
Base records that are themselves duplicates (same ISBN, title and year) are dropped so the labels
stay true. The output is deterministic.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pymarc
from opencc import OpenCC

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SHARED = (ROOT / ".." / "shared" / "data").resolve()

sys.path.insert(0, str(ROOT))
from core.isbn import isbn13 as normalize_isbn  # noqa: E402
from union.matching import normalize_title  # noqa: E402

s2t = OpenCC("s2t")


def sub(field, code):
    values = field.get_subfields(code) if field is not None else []
    return values[0].strip() if values else ""


def year_of(text):
    match = re.search(r"(1[5-9]\d\d|20\d\d)", text or "")
    return int(match.group(1)) if match else None


def clean(text):
    return re.sub(r"[\s/:;,=.]+$", "", text or "").strip()


def from_marc21(record, source):
    f245 = record.get("245")
    pub = record.get("260") or record.get("264")
    authors = []
    for tag in ("100", "110", "700", "710"):
        for f in record.get_fields(tag):
            if sub(f, "a"):
                authors.append({"name": clean(sub(f, "a")), "type": "personal" if tag.endswith("00") else "corporate"})
    isbns = [{"value": sub(f, "a")} for f in record.get_fields("020") if sub(f, "a")]
    issns = [sub(f, "a") for f in record.get_fields("022") if sub(f, "a")]
    controls = [{"type": "", "value": sub(f, "a")} for f in record.get_fields("035") if sub(f, "a")]
    volume = " ".join(clean(v) for v in (f245.get_subfields("n", "p") if f245 else []))
    leader = str(record.leader)
    material = {"a": "book", "c": "score", "e": "map", "g": "video", "i": "audio", "j": "audio", "m": "electronic"}
    mtype = material.get(leader[6], "other")
    if leader[7] == "s":
        mtype = "serial"
    f008 = record.get("008")
    year = year_of(sub(pub, "c")) or (year_of(f008.data[7:11]) if f008 else None)
    return {
        "title": clean(sub(f245, "a")), "other_title": clean(sub(f245, "b")), "volume": volume,
        "responsibility": clean(sub(f245, "c")), "authors": authors, "edition": clean(sub(record.get("250"), "a")),
        "publisher": clean(sub(pub, "b")), "place": clean(sub(pub, "a")), "year": year, "isbns": isbns,
        "issns": issns, "control_numbers": controls, "material_type": mtype, "source": source,
    }


def from_cnmarc(record, source):
    f200 = record.get("200")
    f210 = record.get("210")
    authors = []
    for tag in ("701", "702", "711", "712"):
        for f in record.get_fields(tag):
            if sub(f, "a"):
                authors.append({"name": sub(f, "a") + sub(f, "b"), "type": "personal" if tag[1] == "0" else "corporate"})
    volume = " ".join(v for v in (f200.get_subfields("h", "i") if f200 else []))
    return {
        "title": sub(f200, "a"), "other_title": sub(f200, "e"), "volume": volume, "responsibility": sub(f200, "f"),
        "authors": authors, "edition": sub(record.get("205"), "a"), "publisher": sub(f210, "c"),
        "place": sub(f210, "a"), "year": year_of(sub(f210, "d")),
        "isbns": [{"value": sub(f, "a")} for f in record.get_fields("010") if sub(f, "a")],
        "issns": [sub(f, "a") for f in record.get_fields("011") if sub(f, "a")],
        "control_numbers": [{"type": "", "value": sub(f, "a")} for f in record.get_fields("035")],
        "material_type": "book", "source": source,
    }


def base_records():
    records = []
    for r in pymarc.parse_xml_to_array(str(SHARED / "dp2" / "sample_unimarcxml.xml"), strict=False):
        records.append(from_cnmarc(r, "dp2/sample_unimarcxml.xml"))
    for r in pymarc.parse_xml_to_array(str(SHARED / "dp2" / "sample_marcxml.xml"), strict=False):
        records.append(from_marc21(r, "dp2/sample_marcxml.xml"))
    with open(SHARED / "marc4j" / "pride-and-prejudice-fixed.mrc", "rb") as fh:
        for r in pymarc.MARCReader(fh, to_unicode=True, force_utf8=False, permissive=True):
            if r is not None:
                records.append(from_marc21(r, "marc4j/pride-and-prejudice-fixed.mrc"))
    for r in pymarc.parse_xml_to_array(str(SHARED / "xbib-marc" / "zdb-oai-marc.xml"), strict=False):
        records.append(from_marc21(r, "xbib-marc/zdb-oai-marc.xml"))
    kept, seen = [], set()
    for rec in records:
        if not rec["title"]:
            continue
        isbns = sorted(filter(None, (normalize_isbn(i["value"]) for i in rec["isbns"])))
        key = (normalize_title(rec["title"]), rec["year"], rec["volume"], rec["edition"], tuple(isbns))
        isbn_keys = {("isbn", i) for i in isbns}
        # Drop records whose ISBN another base record already has, or exact repeats.
        if key in seen or isbn_keys & seen:
            continue
        seen.add(key)
        seen |= isbn_keys
        kept.append(rec)
    return kept


def isbn10_of(isbn13):
    if not isbn13 or not isbn13.startswith("978"):
        return None
    core = isbn13[3:12]
    total = sum((10 - i) * int(ch) for i, ch in enumerate(core))
    check = (11 - total % 11) % 11
    return core + ("X" if check == 10 else str(check))


def fullwidth(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def variants(rec, rng):
    """Copies of one record as other members would key it."""
    out = []
    isbn13s = [normalize_isbn(i["value"]) for i in rec["isbns"]]
    isbn13s = [i for i in isbn13s if i]
    # 1. ISBN in the other form, hyphenated differently, with a price qualifier.
    copy = json.loads(json.dumps(rec))
    if isbn13s:
        ten = isbn10_of(isbn13s[0])
        copy["isbns"] = [{"value": (ten[:1] + "-" + ten[1:5] + "-" + ten[5:9] + "-" + ten[9]) if ten else isbn13s[0]}]
    copy["title"] = rec["title"] + " "
    copy["publisher"] = rec["publisher"] + ","
    out.append(("isbn_form", copy))
    # 2. Traditional characters / full-width forms.
    copy = json.loads(json.dumps(rec))
    if re.search(r"[\u4e00-\u9fff]", rec["title"]):
        copy["title"] = s2t.convert(rec["title"])
        copy["publisher"] = s2t.convert(rec["publisher"])
        copy["authors"] = [dict(a, name=s2t.convert(a["name"])) for a in rec["authors"]]
        out.append(("traditional", copy))
    else:
        copy["title"] = fullwidth(rec["title"]).upper()
        out.append(("fullwidth_case", copy))
    # 3. No identifiers at all: the fingerprint must find it.
    copy = json.loads(json.dumps(rec))
    copy["isbns"], copy["issns"], copy["control_numbers"] = [], [], []
    copy["title"] = " ".join(rec["title"]) if re.search(r"[\u4e00-\u9fff]", rec["title"]) and rng.random() < 0.5 else rec["title"] + "."
    if rec["authors"] or rec["publisher"] or rec["year"]:
        out.append(("no_identifiers", copy))
    return out


def hard_cases(rec, n, rng):
    """Records that must NOT join ``rec``'s cluster (each its own entity)."""
    out = []
    isbn13s = [normalize_isbn(i["value"]) for i in rec["isbns"]]
    isbn13s = [i for i in isbn13s if i]
    chinese = bool(re.search(r"[\u4e00-\u9fff]", rec["title"]))
    if n % 4 == 0:
        copy = json.loads(json.dumps(rec))
        copy["volume"] = "第2卷" if chinese else "v. 2"
        out.append(("other_volume", copy))
        copy2 = json.loads(json.dumps(copy))
        copy2["volume"] = "第二卷" if chinese else "Volume 2"
        copy2["isbns"] = []
        out.append(("other_volume_copy", copy2))
    if n % 4 == 1:
        copy = json.loads(json.dumps(rec))
        copy["edition"] = "第2版" if chinese else "2nd ed."
        copy["year"] = (rec["year"] or 2000) + 3
        copy["isbns"] = []
        out.append(("other_edition", copy))
    if n % 4 == 2 and isbn13s:
        # The same ISBN wrongly printed on an unrelated book.
        copy = json.loads(json.dumps(rec))
        copy["title"] = rng.choice(["数学分析习题集", "小学生安全教育读本", "Introduction to Organic Chemistry", "中国古代建筑史"])
        copy["authors"] = [{"name": rng.choice(["王明", "李华", "Smith, John"]), "type": "personal"}]
        copy["other_title"] = ""
        out.append(("wrong_isbn", copy))
    if n % 4 == 3:
        copy = json.loads(json.dumps(rec))
        copy["material_type"] = "video" if rec["material_type"] != "video" else "book"
        out.append(("other_material", copy))
    return out


def main():
    rng = random.Random(20261121)
    items = []
    for n, rec in enumerate(base_records()):
        entity = f"e{n:04d}"
        items.append({"id": f"r{n:04d}", "entity": entity, "case": "real", "record": rec})
        for kind, copy in variants(rec, rng):
            items.append({"id": f"r{n:04d}-{kind}", "entity": entity, "case": kind, "record": copy})
        for kind, copy in hard_cases(rec, n, rng):
            hard_entity = entity + "-" + kind.replace("_copy", "")
            items.append({"id": f"r{n:04d}-{kind}", "entity": hard_entity, "case": kind, "record": copy})
    rng.shuffle(items)
    out = HERE / "eval_set.json"
    out.write_text(json.dumps(items, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{len(items)} labelled records -> {out.name}")


if __name__ == "__main__":
    main()
