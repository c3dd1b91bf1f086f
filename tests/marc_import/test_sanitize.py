"""The one step that makes a mapped record storable: what it changes and what it leaves alone."""

from __future__ import annotations

import pytest

from marc_import.mapping.common import new_instance
from marc_import.models import QuarantinedRecord
from marc_import.pipeline import prepared_rows
from marc_import.sanitize import (
    HOLDINGS_LIMITS,
    INSTANCE_LIMITS,
    ITEM_LIMITS,
    QUARANTINE_LIMITS,
    needs_cleaning,
    storable_record,
    storable_text,
)
from tenants.catalogue.models import HoldingsRecord, Instance, Item


def _item(barcode: str, **extra) -> dict:
    return {"barcode": barcode, "status": "available", "reference_only": False, "volume": "", "copy_number": "",
            "price": None, "acquired_on": None, **extra}


def _record(**fields) -> tuple[dict, list[dict]]:
    instance = new_instance("marc21")
    instance.pop("deleted")
    instance.update({"control_number": "ocm1", "title": "Title", **fields})
    return instance, [{"location": "MAIN", "call_number": "I247", "notes": "", "items": [_item("B1")]}]


def _flagged(instance: dict, holdings: list[dict]) -> bool:
    _fp, line, hlines = prepared_rows(dict(instance), holdings, "utf-8")
    return needs_cleaning(instance, holdings, line, hlines)


def test_a_clean_record_is_not_flagged():
    assert not _flagged(*_record(subjects=["Perl (Computer program language)"], summary="tab\there"))


@pytest.mark.parametrize("fields", [
    {"title": "a\x00b"}, {"subjects": ["a\x00b"]}, {"authors": [{"name": "x\x1f", "role": "", "type": "personal"}]},
    {"title": "\uffff"}, {"subjects": ["\x0c"]},
    {"publisher": "p" * 301},
])
def test_what_no_column_takes_is_flagged(fields):
    assert _flagged(*_record(**fields))


def test_control_characters_go_and_lone_surrogates_become_the_replacement_character():
    assert storable_text("a\x00b\x01c\x1fd\ufffee\uffff") == "abcde"
    assert storable_text("lone \ud800 here") == "lone \ufffd here"
    assert storable_text("tab\tnewline\ncr\r kept; 中文 kept") == "tab\tnewline\ncr\r kept; 中文 kept"
    assert storable_text("the text \\u0000 is text") == "the text \\u0000 is text"


def test_json_values_are_cleaned_throughout_and_bounded_columns_cut():
    instance, holdings = _record(
        control_number="a\x00b" + "9" * 200, subjects=["x\x00y"], publisher="p" * 400,
        authors=[{"name": "n\x00", "role": "", "type": "personal"}],
    )
    holdings[0]["items"] = [_item("B\x001"), _item("B1"), _item("\x00"), _item("c" * 80, copy_number="9" * 30)]
    instance, holdings = storable_record(instance, holdings)
    assert instance["control_number"] == "ab" + "9" * 97 + "…"
    assert instance["subjects"] == ["xy"] and instance["authors"][0]["name"] == "n"
    assert len(instance["publisher"]) == 300
    # "B\x001" becomes B1, so the second B1 is a duplicate; a barcode of nothing is no barcode.
    assert [i["barcode"] for i in holdings[0]["items"]] == ["B1", "c" * 60]
    assert holdings[0]["items"][1]["copy_number"] == "9" * 20


def test_the_limits_are_the_columns_sizes():
    for model, limits in ((Instance, INSTANCE_LIMITS), (HoldingsRecord, HOLDINGS_LIMITS), (Item, ITEM_LIMITS),
                          (QuarantinedRecord, {"control_number": QUARANTINE_LIMITS["control_number"]})):
        for name, size in limits.items():
            assert model._meta.get_field(name).max_length == size, (model.__name__, name)
        bounded = {f.name for f in model._meta.fields if getattr(f, "max_length", None) and f.get_internal_type() == "CharField"}
        # Every bounded column the import writes from source data is in the table.
        assert bounded - set(limits) <= {"hrid", "source_encoding", "fingerprint", "raw_kind", "status"}, model


def test_a_lone_surrogate_in_a_mapped_record_becomes_the_replacement_character(monkeypatch):
    # No reader makes one today (they decode with replacement), but a record must not fail its
    # batch if one ever does: the fingerprint could not even be computed.
    import io

    from marc_import import pipeline
    from tests.marc_import.conftest import FILES

    mapper = pipeline.map_record

    def with_surrogate(record, flavour):
        mapped = mapper(record, flavour)
        mapped["summary"] = "half a pair: \ud83d"
        mapped["subjects"] = [*mapped["subjects"], "\udc00"]
        return mapped

    monkeypatch.setattr(pipeline, "map_record", with_surrogate)
    with open(FILES / "test.dat", "rb") as handle:
        results = [r for batch, _ in pipeline.iter_batches(io.BytesIO(handle.read()), pipeline.Options()) for r in batch]
    assert [r["status"] for r in results] == ["ok"] * 10
    assert results[0]["instance"]["summary"] == "half a pair: \ufffd"
    assert results[0]["instance"]["subjects"][-1] == "\ufffd"
    results[0]["line"].encode("utf-8")
