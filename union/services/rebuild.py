"""Rebuild the whole union catalogue from the member schemas (``manage.py rebuild_union``).

All active member records are read, clustered in memory in a fixed order (records with
identifiers first) with the coordinators' stored decisions applied, and written back in one
transaction. Each new cluster keeps the id of the old union record most of its members were
in, so union record ids (urids) stay stable; union records left without members are marked
deleted, never removed. Only union records whose content changed get a new version and a
UnionChange row, so a rebuild of an up-to-date catalogue changes nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from psycopg.types.json import Jsonb

from core.copy import copy_rows, update_objects
from tenants.models import CatalogueChange, Library
from union.matching import Clusterer, rebuild_order
from union.models import (
    ClusterDecision,
    MatchReview,
    UnionChange,
    UnionHolding,
    UnionMatchKey,
    UnionRecord,
    UnionRecordVersion,
)
from union.services import records as member_records
from union.services.clustering import load_decisions, next_urids
from union.services.records import BIB_FIELDS
from union.services.sync import CLUSTERING_LOCK


@dataclass
class RebuildStats:
    records: int = 0
    clusters: int = 0
    kept_ids: int = 0
    new_ids: int = 0
    retired: int = 0
    changed: int = 0
    reviews: int = 0
    read_seconds: float = 0.0
    cluster_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.read_seconds + self.cluster_seconds + self.write_seconds


def _noop(iterable, **kwargs):
    return iterable


def rebuild(progress=None) -> RebuildStats:
    """Recluster everything; ``progress`` wraps iterables (e.g. tqdm) to show progress."""
    bar = progress or _noop
    stats = RebuildStats()
    connection.set_schema_to_public()
    started = time.perf_counter()
    outbox_high = CatalogueChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    decisions = load_decisions()
    pins = {
        (la, ia): pk for pk, la, ia in ClusterDecision.objects.filter(kind=ClusterDecision.Kind.PIN)
        .order_by("id").values_list("pk", "library_a_id", "instance_a")
    }
    libraries = list(Library.objects.filter(is_active=True).order_by("code"))
    kinds = {lib.pk: lib.kind for lib in libraries}
    members = {}
    for library in bar(libraries, desc="read", unit="library"):
        for member in member_records.read_members(library, with_marc=False).values():
            if not member.withdrawn:
                members[member.ref] = member
    connection.set_schema_to_public()
    stats.records = len(members)
    stats.read_seconds = time.perf_counter() - started

    started = time.perf_counter()
    matches = {ref: m.match_record() for ref, m in members.items()}
    ordered = sorted(matches.values(), key=lambda r: (rebuild_order(r), r.ref))
    clusterer = Clusterer(decisions)
    for record in bar(ordered, desc="cluster", unit="record"):
        clusterer.add(record)
    clusters = {cid: [m.ref for m in recs] for cid, recs in clusterer.clusters.items() if recs}
    stats.clusters = len(clusters)
    stats.cluster_seconds = time.perf_counter() - started

    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTERING_LOCK])
        old_of = {
            (lib, inst): ur for lib, inst, ur in UnionHolding.objects.values_list(
                "library_id", "instance_id", "union_record_id").iterator(chunk_size=10000)
        }
        # Stable ids: biggest clusters choose first, each old union record is reused once.
        assigned: dict[int, int] = {}
        used: set[int] = set()
        for cid in sorted(clusters, key=lambda c: (-len(clusters[c]), min(clusters[c]))):
            votes = Counter(old_of[ref] for ref in clusters[cid] if ref in old_of)
            for ur_id, _n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
                if ur_id not in used:
                    assigned[cid] = ur_id
                    used.add(ur_id)
                    break
        # Clusters none of whose members was in the union catalogue (holdings lost, say) take
        # the old union record whose master they hold, or one with an ISBN they have.
        unvoted = [cid for cid in clusters if cid not in assigned]
        if unvoted:
            by_master, by_isbn = {}, {}
            for pk, lib, inst, isbns in UnionRecord.objects.filter(deleted=False).exclude(pk__in=used).values_list(
                    "pk", "master_library_id", "master_instance_id", "isbns").order_by("pk").iterator(chunk_size=5000):
                by_master.setdefault((lib, inst), pk)
                for isbn in isbns or []:
                    by_isbn.setdefault(isbn, pk)
            for cid in unvoted:
                refs = clusters[cid]
                options = [by_master.get(ref) for ref in refs]
                options += [by_isbn.get(isbn) for ref in refs for isbn in matches[ref].isbns]
                for pk in options:
                    if pk is not None and pk not in used:
                        assigned[cid] = pk
                        used.add(pk)
                        break
        fresh = [cid for cid in clusters if cid not in assigned]
        urids = next_urids(len(fresh))
        created = UnionRecord.objects.bulk_create(
            [UnionRecord(urid=urid, version=0) for urid in urids], batch_size=5000)
        for cid, record in zip(fresh, created, strict=True):
            assigned[cid] = record.pk
        stats.kept_ids, stats.new_ids = len(clusters) - len(fresh), len(fresh)

        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {UnionMatchKey._meta.db_table}")
            cursor.execute(f"DELETE FROM {UnionHolding._meta.db_table}")
        holding_rows = []
        member_dicts: dict[int, list[dict]] = {}
        for cid, refs in clusters.items():
            ur_id = assigned[cid]
            for ref in refs:
                member = members[ref]
                match_data = matches[ref].to_json()
                why = clusterer.why.get(ref)
                matched_on = why.explain() if why else {}
                record = dict(member.record)
                record["_encoding_level"] = member.encoding_level
                rank = member_records.source_rank(member.record, kinds.get(ref[0], ""))
                summary = member.summary()
                holding_rows.append((
                    ur_id, ref[0], ref[1], summary["instance_hrid"], summary["call_number"], summary["items_total"],
                    summary["items_available"], summary["items_loanable"], now, Jsonb(match_data), Jsonb(record),
                    Jsonb(matched_on), rank))
                member_dicts.setdefault(ur_id, []).append({
                    "library_id": ref[0], "instance_id": ref[1], "record": record, "source_rank": rank,
                    "encoding_level": member.encoding_level, "match_data": match_data, "matched_on": matched_on,
                })
        copy_rows(UnionHolding._meta.db_table, [
            "union_record_id", "library_id", "instance_id", "instance_hrid", "call_number", "items_total",
            "items_available", "items_loanable", "updated_at", "match_data", "record", "matched_on", "source_rank",
        ], bar(holding_rows, desc="write holdings", unit="record"))
        holding_ids = {
            (lib, inst): pk for pk, lib, inst in UnionHolding.objects.values_list("pk", "library_id", "instance_id")
            .iterator(chunk_size=20000)
        }
        copy_rows(UnionMatchKey._meta.db_table, ["holding_id", "key"], (
            (holding_ids[ref], key[:80]) for ref, match in matches.items()
            for key in dict.fromkeys(match.blocking_keys())))

        stats.changed, stats.retired = _write_union_records(member_dicts, pins, bar)
        stats.reviews = _write_reviews(clusterer, assigned)
        CatalogueChange.objects.filter(id__lte=outbox_high, processed_at__isnull=True).update(
            processed_at=timezone.now())
    stats.write_seconds = time.perf_counter() - started
    return stats


def _write_union_records(member_dicts: dict[int, list[dict]], pins: dict, bar) -> tuple[int, int]:
    now = timezone.now()
    changed: list[UnionRecord] = []
    versions: list[UnionRecordVersion] = []
    marc_wanted: dict[int, list[tuple[int, int]]] = {}
    live_ids = list(member_dicts)
    fields = [*BIB_FIELDS, "master_library", "master_instance_id", "master_pinned", "match_keys", "deleted",
              "version", "updated_at", "marc"]
    for start in bar(range(0, len(live_ids), 2000), desc="union records", unit="batch"):
        chunk = live_ids[start:start + 2000]
        for union_record in UnionRecord.objects.filter(pk__in=chunk):
            members = member_dicts[union_record.pk]
            pinned = next(((m["library_id"], m["instance_id"]) for m in members
                           if (m["library_id"], m["instance_id"]) in pins), None)
            master = member_records.choose_master(members, pinned)
            master_ref = (master["library_id"], master["instance_id"])
            before = {name: getattr(union_record, name) for name in BIB_FIELDS}
            values = member_records.union_fields(master["record"], members)
            values.update(
                master_library_id=master_ref[0], master_instance_id=master_ref[1], master_pinned=bool(pinned),
                match_keys=member_records.cluster_match_keys(members), deleted=False,
            )
            master_moved = (union_record.master_library_id, union_record.master_instance_id) != master_ref
            dirty = master_moved or union_record.version == 0 or any(
                getattr(union_record, k) != v for k, v in values.items())
            if not dirty:
                continue
            for name, value in values.items():
                setattr(union_record, name, value)
            union_record.version += 1
            union_record.updated_at = now
            if master_moved or union_record.version == 1:
                marc_wanted.setdefault(master_ref[0], []).append((master_ref[1], union_record))
            after = {name: getattr(union_record, name) for name in BIB_FIELDS}
            if after != before or union_record.version == 1:
                versions.append(UnionRecordVersion(
                    union_record=union_record, version=union_record.version, data=after,
                    changes={k: [before[k], after[k]] for k in BIB_FIELDS if before[k] != after[k]},
                    change_kind="rebuild"))
            changed.append(union_record)
    for library in Library.objects.filter(pk__in=list(marc_wanted)):
        from tenants.catalogue.models import Instance

        wanted = marc_wanted[library.pk]
        with schema_context(library.schema_name):
            marcs = {}
            ids = [i for i, _r in wanted]
            for start in range(0, len(ids), 5000):
                marcs.update(Instance.objects.filter(pk__in=ids[start:start + 5000]).values_list("id", "raw_record"))
        for instance_id, union_record in wanted:
            union_record.marc = bytes(marcs.get(instance_id) or b"")
    connection.set_schema_to_public()
    retired = []
    for union_record in UnionRecord.objects.filter(deleted=False).exclude(pk__in=live_ids).iterator(chunk_size=5000):
        union_record.deleted = True
        union_record.master_library_id = None
        union_record.master_instance_id = None
        union_record.master_pinned = False
        union_record.version += 1
        union_record.updated_at = now
        retired.append(union_record)
    update_objects(UnionRecord, changed + retired, fields)
    copy_rows(UnionRecordVersion._meta.db_table,
              ["union_record_id", "version", "data", "changes", "change_kind", "created_at"],
              ((v.union_record.pk, v.version, Jsonb(v.data), Jsonb(v.changes), v.change_kind, now) for v in versions))
    copy_rows(UnionChange._meta.db_table, ["union_record_id", "created_at", "attempts", "last_error"],
              ((r.pk, now, 0, "") for r in changed + retired))
    return len(changed), len(retired)


def _write_reviews(clusterer: Clusterer, assigned: dict[int, int]) -> int:
    existing = set(MatchReview.objects.values_list(
        "library_id", "instance_id", "candidate_library_id", "candidate_instance_id"))
    new = []
    for ref, other, decision in clusterer.uncertain:
        key = (ref[0], ref[1], other[0], other[1])
        if key in existing:
            continue
        existing.add(key)
        new.append(MatchReview(
            library_id=ref[0], instance_id=ref[1], candidate_library_id=other[0], candidate_instance_id=other[1],
            union_record_id=assigned[clusterer.cluster_of[ref]], candidate_id=assigned[clusterer.cluster_of[other]],
            score=decision.score, explanation=decision.explain()))
    MatchReview.objects.bulk_create(new, batch_size=2000)
    return len(new)
