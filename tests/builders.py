"""Test catalogues built the way the product builds them.

Records are made in a member library's own schema (Instance -> HoldingsRecord -> Item), each
change is written to the catalogue outbox in the same transaction (``record_changes``, like every
catalogue service), and the real union sync (``drain``) clusters them into union records. No
test writes UnionRecord or UnionHolding rows by hand, so what search, SRU, OAI-PMH and the union
API see is what a member's import or cataloguing would produce.

``create_instance`` fills an Instance the way the MARC mapper does, including a real ISO 2709
record (or the one given as ``raw_record``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

import pymarc
from django.db import transaction
from django_tenants.utils import tenant_context

from tenants.catalogue.services.changes import record_changes
from tenants.catalogue.services.hrid import next_hrids
from union.models import UnionHolding, UnionRecord
from union.services.sync import drain

DEFAULTS = {
    "record_format": "marc21", "title": "", "other_title": "", "parallel_titles": [], "volume": "",
    "responsibility": "", "authors": [], "edition": "", "publisher": "", "place": "", "year": None,
    "extent": "", "series": [], "isbns": [], "issns": [], "languages": ["chi"], "clc": [], "ddc": [], "lcc": [],
    "subjects": [], "summary": "", "material_type": "book", "control_numbers": [], "price": "",
    "encoding_level": "",
}


def sync() -> int:
    """Drain the catalogue outbox now (tests run in one transaction, so on-commit tasks never fire)."""
    return drain()


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
    """An Instance's fields as the MARC mapper leaves them: defaults, ISBN and author entries as dicts."""
    data = dict(DEFAULTS)
    data.update(fields)
    data["isbns"] = [
        i if isinstance(i, dict) else {"value": i, "isbn13": "", "valid": True, "qualifier": ""} for i in data["isbns"]
    ]
    data["authors"] = [a if isinstance(a, dict) else {"name": a, "role": "", "type": "personal"} for a in data["authors"]]
    return data


def create_instance(library, *, items=0, call_number="", raw_record=None, **fields):
    """An Instance in ``library``'s schema (with ``items`` available copies) plus its outbox row."""
    from tenants.catalogue.models import Instance

    data = fill(fields)
    with tenant_context(library):
        with transaction.atomic():
            data["raw_record"] = raw_record if raw_record is not None else marc_for(data)
            data["fingerprint"] = hashlib.sha256(
                json.dumps({k: v for k, v in data.items() if k != "raw_record"}, sort_keys=True,
                           ensure_ascii=False).encode()).hexdigest()
            instance = Instance.objects.create(hrid=next_hrids("instance", 1)[0], **data)
            if items:
                add_items(library, instance, items, call_number=call_number, record=False)
            record_changes([instance.pk], "upsert", library=library)
    return instance


def add_items(library, instance, count, call_number="", status="available", record=True, **item_fields):
    """``count`` items of one new holdings record of ``instance``, all with ``status``."""
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


def add_copies(library, instance, total, available, loanable, call_number=""):
    """Items of one holdings record giving these union counts.

    ``loanable`` copies are on the shelf, ``available - loanable`` are on the shelf for reference
    only, and the rest are checked out.
    """
    from tenants.catalogue.models import ItemStatus

    if not 0 <= loanable <= available <= total:
        raise ValueError(f"impossible counts: {total} total, {available} available, {loanable} loanable")
    with tenant_context(library):
        with transaction.atomic():
            items = []
            for count, status, reference_only in (
                (loanable, ItemStatus.AVAILABLE, False),
                (available - loanable, ItemStatus.AVAILABLE, True),
                (total - available, ItemStatus.CHECKED_OUT, False),
            ):
                if count:
                    items += add_items(library, instance, count, call_number=call_number, status=status,
                                       record=False, reference_only=reference_only)
            record_changes([instance.pk], "holdings", library=library)
    return items


def update_instance(library, instance, **fields):
    from tenants.catalogue.models import Instance

    with tenant_context(library):
        with transaction.atomic():
            Instance.objects.filter(pk=instance.pk).update(**fields)
            record_changes([instance.pk], "upsert", library=library)


def withdraw_instance(library, instance):
    """Withdraw the record (leader/05 = d), as an import of a deleted record does."""
    update_instance(library, instance, deleted=True)


def set_item_status(library, item, status):
    """Move ``item`` to ``status`` through the item status service (audited, sent to the outbox)."""
    from tenants.catalogue.services.items import set_item_status as change_status

    with tenant_context(library):
        change_status(item, status)


def union_record_of(library, instance) -> UnionRecord:
    return UnionHolding.objects.select_related("union_record").get(
        library=library, instance_id=instance.pk).union_record


def build_union_catalogue(books: Iterable[tuple[str, dict, Mapping]], libraries: Mapping,
                          *, urids: bool = False) -> dict[str, UnionRecord]:
    """Catalogue ``books`` in their libraries, sync, and return key -> union record.

    Each book is ``(key, instance fields, {library key: (total, available, loanable) or
    (total, available, loanable, call number)})``; ``libraries`` maps library keys to Library
    rows. A book with ``deleted=True`` is catalogued in the first library and then withdrawn, so
    its union record remains as a deleted record. Every copy of one book must land in one union
    record (the books are meant to match); otherwise the test data is wrong and this fails.

    With ``urids=True`` each union record takes its key as urid, so tests can name records
    (the sync numbers them from a sequence otherwise).
    """
    made: dict[str, UnionRecord] = {}
    withdrawn = []
    first_library = next(iter(libraries.values()))
    for key, fields, holdings in books:
        fields = dict(fields)
        deleted = fields.pop("deleted", False)
        placed = []
        for library_key, counts in (holdings.items() if holdings else [(None, (0, 0, 0))]):
            library = libraries[library_key] if library_key is not None else first_library
            total, available, loanable, *rest = counts
            call_number = rest[0] if rest else ""
            instance = create_instance(library, **fields)
            if total:
                add_copies(library, instance, total, available, loanable, call_number=call_number)
            placed.append((library, instance))
        sync()
        records = {union_record_of(library, instance).pk for library, instance in placed}
        assert len(records) == 1, f"the copies of {key!r} were not clustered into one union record"
        if urids:
            UnionRecord.objects.filter(pk__in=records).update(urid=key)
        made[key] = UnionRecord.objects.get(pk=records.pop())
        if deleted:
            withdrawn.extend(placed)
    for library, instance in withdrawn:
        withdraw_instance(library, instance)
    if withdrawn:
        sync()
    for record in made.values():
        record.refresh_from_db()
    return made
