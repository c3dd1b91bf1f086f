"""Drift between the member schemas and the union catalogue (``manage.py check_union``).

Every active member record must be in exactly one union record with up-to-date match data,
bibliographic summary and holdings figures; nothing withdrawn may remain; every live union
record must have members, a master among them and the master's fields; no outbox row may be
pending or dead-lettered (``manage.py requeue_outbox catalogue`` once fixed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from core import outbox
from tenants.models import CatalogueChange, Library
from union.models import UnionHolding, UnionRecord
from union.services import records as member_records
from union.services.clustering import holding_member


@dataclass
class DriftReport:
    problems: list[dict] = field(default_factory=list)
    dead_changes: int = 0
    checked_records: int = 0
    checked_union_records: int = 0

    @property
    def clean(self) -> bool:
        return not self.problems

    def add(self, kind: str, **details) -> None:
        self.problems.append({"kind": kind, **details})


def check_union(allow_pending: bool = False, progress=None) -> DriftReport:
    report = DriftReport()
    connection.set_schema_to_public()
    report.dead_changes = outbox.dead_count(CatalogueChange)
    if report.dead_changes:
        report.add("outbox_failed", count=report.dead_changes)
    waiting = outbox.pending(CatalogueChange).count()
    if waiting and not allow_pending:
        report.add("outbox_pending", count=waiting)

    libraries = list(Library.objects.filter(is_active=True).order_by("code"))
    for library in libraries:
        members = member_records.read_members(library, with_marc=False)
        connection.set_schema_to_public()
        holdings = {h.instance_id: h for h in UnionHolding.objects.filter(library=library)}
        for instance_id, member in members.items():
            report.checked_records += 1
            holding = holdings.pop(instance_id, None)
            if member.withdrawn:
                if holding is not None:
                    report.add("withdrawn_still_in_union", library=library.code, instance_id=instance_id)
                continue
            if holding is None:
                report.add("missing_from_union", library=library.code, instance_id=instance_id)
                continue
            record = dict(member.record)
            record["_encoding_level"] = member.encoding_level
            if holding.match_data != member.match_record().to_json() or holding.record != record:
                report.add("stale_record", library=library.code, instance_id=instance_id)
            summary = member.summary()
            if any(getattr(holding, name) != value for name, value in summary.items()):
                report.add("stale_holdings", library=library.code, instance_id=instance_id,
                           expected=summary)
        for instance_id in holdings:
            report.add("deleted_still_in_union", library=library.code, instance_id=instance_id)
        if progress:
            progress(library)

    by_record: dict[int, list[UnionHolding]] = defaultdict(list)
    for holding in UnionHolding.objects.all().iterator(chunk_size=5000):
        by_record[holding.union_record_id].append(holding)
    for union_record in UnionRecord.objects.all().iterator(chunk_size=2000):
        report.checked_union_records += 1
        holdings = by_record.get(union_record.pk, [])
        if union_record.deleted:
            if holdings:
                report.add("deleted_record_has_holdings", urid=union_record.urid)
            continue
        if not holdings:
            report.add("empty_union_record", urid=union_record.urid)
            continue
        members = [holding_member(h) for h in holdings]
        pinned = (
            (union_record.master_library_id, union_record.master_instance_id) if union_record.master_pinned else None
        )
        master = member_records.choose_master(members, pinned)
        if (union_record.master_library_id, union_record.master_instance_id) != (
            master["library_id"], master["instance_id"]
        ):
            report.add("wrong_master", urid=union_record.urid)
            continue
        expected = member_records.union_fields(master["record"], members)
        stale = [name for name, value in expected.items() if getattr(union_record, name) != value]
        if stale:
            report.add("stale_union_record", urid=union_record.urid, fields=stale)
    return report
