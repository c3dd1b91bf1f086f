"""Golden files: every input record's mapped instance and holdings must equal the expectation.

A missing expectation fails and prints what the mapping produced (set UPDATE_GOLDEN=1 to write
it, then review it by hand).
"""

from __future__ import annotations

import json
import os

import pytest

from marc_import.pipeline import Options, iter_batches
from tests.marc_import.conftest import EXPECT, INPUT

INPUTS = sorted(p for p in INPUT.iterdir() if p.suffix in (".mrc", ".xml"))


def mapped(path):
    out = []
    with open(path, "rb") as stream:
        for batch, _ in iter_batches(stream, Options()):
            for r in batch:
                if r["status"] == "ok":
                    out.append({"flavour": r["flavour"], "encoding": r["encoding"], "deleted": r["deleted"],
                                "instance": r["instance"], "holdings": r["holdings"]})
                else:
                    out.append({"rejected": r["reason"], "position": r["position"]})
    return out


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_mapping_matches_golden_file(path):
    got = mapped(path)
    expect_path = EXPECT / (path.stem + ".json")
    text = json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True)
    if not expect_path.exists():
        if os.environ.get("UPDATE_GOLDEN"):
            expect_path.write_text(text + "\n", "utf-8")
        pytest.fail(f"no expectation {expect_path.name}; the mapping produced:\n{text}")
    assert got == json.loads(expect_path.read_text("utf-8"))


def test_golden_files_cover_both_formats_and_every_encoding():
    seen = set()
    for path in EXPECT.glob("*.json"):
        for r in json.loads(path.read_text("utf-8")):
            if "flavour" in r:
                seen.add(r["flavour"])
                seen.add(r["encoding"])
    assert {"marc21", "unimarc", "utf-8", "marc-8", "gbk", "ucs-2", "cp1251"} <= seen


def test_chinese_records_decode_to_the_same_data_in_every_encoding():
    utf8, gbk, ucs2, xml = (mapped(INPUT / n) for n in ("cnmarc_utf8.mrc", "cnmarc_gb18030.mrc",
                                                          "cnmarc_ucs2.mrc", "cnmarc_sru.xml"))
    assert [r["instance"] for r in utf8] == [r["instance"] for r in gbk] == [r["instance"] for r in ucs2]
    assert [r["instance"] for r in utf8] == [r["instance"] for r in xml[:2]]
    assert utf8[0]["instance"]["title"] == "'94中国发展报告"
    assert utf8[0]["instance"]["clc"] == ["F124"]
    assert utf8[0]["instance"]["isbns"][0]["isbn13"] == "9787503717444"
