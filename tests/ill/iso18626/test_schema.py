"""The shipped schemas: local, compiled once, and they say what is wrong."""

from __future__ import annotations

from lxml import etree

from ill.iso18626 import render, validate
from ill.iso18626.codes import SCHEMA_FILES
from ill.iso18626.schema import SCHEMA_DIR, schema_for
from tests.ill.iso18626 import samples

XS = "{http://www.w3.org/2001/XMLSchema}"


def test_the_schemas_ship_with_the_package_and_fetch_nothing():
    for name in SCHEMA_FILES.values():
        tree = etree.parse(str(SCHEMA_DIR / name))
        assert tree.find(f"{XS}import") is None and tree.find(f"{XS}include") is None
        assert tree.getroot().get("targetNamespace") == "http://illtransactions.org/2013/iso18626"
    assert (SCHEMA_DIR / "README.md").is_file()


def test_a_compiled_schema_is_reused():
    assert schema_for("2021") is schema_for("2021")


def test_a_2017_message_is_not_a_valid_2021_message():
    data = render(samples.request("2017"), "2017")
    assert validate(data, "2017") == []
    errors = validate(data, "2021")
    assert errors and any("bibliographicItemIdentifier" in e or "multipleItemRequestId" in e for e in errors)


def test_unsafe_or_broken_documents_are_reported_not_raised():
    assert validate(b"<!DOCTYPE x><x/>", "2017") == ["a DOCTYPE or entity declaration is not allowed"]
    assert validate(b"<x", "2021")[0].startswith("not well-formed XML")
