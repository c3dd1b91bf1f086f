"""Fixtures of the union catalogue tests: member records made directly in a library's schema.

``make_instance`` fills an Instance the way the MARC mapper does (including a real ISO 2709
record) and writes the outbox row through ``record_changes``, like every catalogue service.
"""

from __future__ import annotations

import hashlib
import json

import pymarc
import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from tenants.catalogue.services.changes import record_changes
from tenants.catalogue.services.hrid import next_hrids
from tenants.models import Role
from union.services.sync import drain

DEFAULTS = {
    "record_format": "marc21", "title": "", "other_title": "", "parallel_titles": [], "volume": "",
    "responsibility": "", "authors": [], "edition": "", "publisher": "", "place": "", "year": None,
    "extent": "", "series": [], "isbns": [], "issns": [], "languages": ["chi"], "clc": [], "ddc": [], "lcc": [],
    "subjects": [], "summary": "", "material_type": "book", "control_numbers": [], "price": "",
    "encoding_level": "",
}


def marc_for(fields: dict) -> bytes:
    record = pymarc.Record(force_utf8=True, leader="     nam a22     4a 4500")
    record.add_field(pymarc.Field(tag="001", data=fields.get("control_number") or "x"))
    for isbn in fields.get("isbns") or []:
        value = isbn["value"] if isinstance(isbn, dict) else isbn
        record.add_field(pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", value)]))
    if fields.get("authors"):
        record.add_field(pymarc.Field(tag="100", indicators=["1", " "],
                                      subfields=[pymarc.Subfield("a", fields["authors"][0]["name"])]))
    record.add_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=[pymarc.Subfield("a", fields["title"])]))
    record.add_field(pymarc.Field(tag="264", indicators=[" ", "1"], subfields=[
        pymarc.Subfield("b", fields.get("publisher") or ""), pymarc.Subfield("c", str(fields.get("year") or ""))]))
    return record.as_marc()


def fill(fields: dict) -> dict:
    data = dict(DEFAULTS)
    data.update(fields)
    data["isbns"] = [
        i if isinstance(i, dict) else {"value": i, "isbn13": "", "valid": True, "qualifier": ""} for i in data["isbns"]
    ]
    data["authors"] = [a if isinstance(a, dict) else {"name": a, "role": "", "type": "personal"} for a in data["authors"]]
    return data


def create_instance(library, **fields):
    """An Instance in ``library``'s schema plus its outbox row (in the caller's transaction)."""
    from tenants.catalogue.models import Instance

    items = fields.pop("items", 0)
    call_number = fields.pop("call_number", "")
    data = fill(fields)
    with tenant_context(library):
        with transaction.atomic():
            data["raw_record"] = marc_for(data)
            data["fingerprint"] = hashlib.sha256(
                json.dumps({k: v for k, v in data.items() if k != "raw_record"}, sort_keys=True,
                           ensure_ascii=False).encode()).hexdigest()
            instance = Instance.objects.create(hrid=next_hrids("instance", 1)[0], **data)
            if items:
                add_items(library, instance, items, call_number=call_number, record=False)
            record_changes([instance.pk], "upsert", library=library)
    return instance


def add_items(library, instance, count, call_number="", status="available", record=True, **item_fields):
    from tenants.catalogue.models import HoldingsRecord, Item

    with tenant_context(library):
        with transaction.atomic():
            holdings = HoldingsRecord.objects.create(hrid=next_hrids("holdings", 1)[0], instance_id=instance.pk,
                                                     call_number=call_number, location="main")
            hrids = next_hrids("item", count)
            items = [Item.objects.create(hrid=h, holdings=holdings, status=status, **item_fields) for h in hrids]
            if record:
                record_changes([instance.pk], "holdings", library=library)
    return items


def update_instance(library, instance, **fields):
    from tenants.catalogue.models import Instance

    with tenant_context(library):
        with transaction.atomic():
            Instance.objects.filter(pk=instance.pk).update(**fields)
            record_changes([instance.pk], "upsert", library=library)


def set_item_status(library, item, status):
    from tenants.catalogue.services.items import set_item_status as change_status

    with tenant_context(library):
        change_status(item, status)


@pytest.fixture
def make_instance():
    return create_instance


@pytest.fixture
def synced():
    """Drain the outbox now (tests run inside one transaction, so on-commit tasks do not fire)."""
    return drain


@pytest.fixture
def cataloguer_a(make_user, library_a):
    return make_user("cat_a", Role.CATALOGUER, library=library_a)


@pytest.fixture
def cataloguer_b(make_user, library_b):
    return make_user("cat_b", Role.CATALOGUER, library=library_b)


@pytest.fixture
def student_a(make_user, library_a):
    return make_user("stu_a", Role.STUDENT, library=library_a)


@pytest.fixture
def college(make_library, district_a):
    return make_library("college", region=district_a, kind="college")


def assert_union_clean():
    from union.services.check import check_union

    report = check_union()
    assert report.clean, report.problems[:10]
