"""Placing member records in union records (clusters) and keeping each union record current.

``place`` puts one member record in the cluster it matches (or a new one) and ``refresh``
recomputes a union record from its members: master record, bibliographic fields, match keys.
A union record's version goes up, a version row is written for bibliographic changes and a
UnionChange row is written for the search indexer only when something really changed, so
applying the same change twice changes nothing.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from core.workflow import transition_all
from union.matching import Decisions, MatchRecord, choose_cluster, compare
from union.models import (
    ClusterDecision,
    MatchReview,
    MatchReviewStatusChange,
    UnionChange,
    UnionHolding,
    UnionMatchKey,
    UnionRecord,
    UnionRecordVersion,
    WrongMatchKey,
)
from union.services import records as member_records
from union.services.records import BIB_FIELDS, MemberRecord
from union.workflow import MATCH_REVIEW

SUMMARY_FIELDS = ("instance_hrid", "call_number", "items_total", "items_available", "items_loanable")
MAX_CANDIDATE_CLUSTERS = 50
# A cluster left by a member is checked again for members that no longer hang together up to this
# size (pairwise comparisons); larger ones wait for rebuild_union.
MAX_RECHECKED_CLUSTER = 60


def next_urids(count: int) -> list[str]:
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('public.union_urid_seq') FROM generate_series(1, %s)", [count])
        return [f"u{n:09d}" for (n,) in cursor.fetchall()]


def new_union_record() -> UnionRecord:
    return UnionRecord.objects.create(urid=next_urids(1)[0], version=0)


def load_decisions(refs: list[tuple[int, int]] | None = None) -> Decisions:
    """Coordinator decisions (all, or those touching ``refs``) and identifiers known to be wrong."""
    qs = ClusterDecision.objects.filter(kind__in=[ClusterDecision.Kind.TOGETHER, ClusterDecision.Kind.APART])
    if refs is not None:
        cond = Q(pk__in=[])
        for library_id, instance_id in refs:
            cond |= Q(library_a_id=library_id, instance_a=instance_id) | Q(library_b_id=library_id, instance_b=instance_id)
        qs = qs.filter(cond)
    decisions = Decisions(bad_keys=frozenset(WrongMatchKey.objects.values_list("key", flat=True)))
    for kind, la, ia, lb, ib in qs.values_list("kind", "library_a_id", "instance_a", "library_b_id", "instance_b"):
        pair = frozenset(((la, ia), (lb, ib)))
        (decisions.together if kind == ClusterDecision.Kind.TOGETHER else decisions.apart).add(pair)
    return decisions


def holding_member(holding: UnionHolding) -> dict:
    return {
        "library_id": holding.library_id, "instance_id": holding.instance_id, "record": holding.record,
        "source_rank": holding.source_rank, "encoding_level": holding.record.get("_encoding_level", ""),
        "match_data": holding.match_data, "matched_on": holding.matched_on,
    }


def _snapshot(union_record: UnionRecord) -> dict:
    return {name: getattr(union_record, name) for name in BIB_FIELDS}


def _holdings_snapshot(holdings: list[UnionHolding]) -> list:
    return sorted(
        [h.library_id, h.instance_id, *(getattr(h, f) for f in SUMMARY_FIELDS)] for h in holdings
    )


def record_version(union_record: UnionRecord, before: dict, kind: str, user=None, library=None) -> None:
    after = _snapshot(union_record)
    changes = {k: [before.get(k), after[k]] for k in BIB_FIELDS if before.get(k) != after[k]}
    UnionRecordVersion.objects.create(
        union_record=union_record, version=union_record.version, data=after, changes=changes,
        change_kind=kind, changed_by=user, library=library,
    )


def refresh(union_record: UnionRecord, *, kind: str = "sync", user=None, library=None,
            marc_cache: dict | None = None, holdings_changed: bool = False) -> bool:
    """Recompute a union record from its members; True if anything changed."""
    union_record = UnionRecord.objects.select_for_update().get(pk=union_record.pk)
    holdings = list(union_record.holdings.all())
    before = _snapshot(union_record)
    changed = holdings_changed
    if not holdings:
        if union_record.deleted:
            return False
        union_record.deleted = True
        union_record.master_library_id = None
        union_record.master_instance_id = None
        union_record.master_pinned = False
        changed = True
    else:
        members = [holding_member(h) for h in holdings]
        pinned = (
            (union_record.master_library_id, union_record.master_instance_id) if union_record.master_pinned else None
        )
        master = member_records.choose_master(members, pinned)
        if pinned and (master["library_id"], master["instance_id"]) != pinned:
            union_record.master_pinned = False
        fields = member_records.union_fields(master["record"], members)
        master_ref = (master["library_id"], master["instance_id"])
        if (union_record.master_library_id, union_record.master_instance_id) != master_ref:
            union_record.master_library_id, union_record.master_instance_id = master_ref
            changed = True
        for name, value in fields.items():
            if getattr(union_record, name) != value:
                setattr(union_record, name, value)
                changed = True
        keys = member_records.cluster_match_keys(members)
        if union_record.match_keys != keys:
            union_record.match_keys = keys
            changed = True
        marc = (marc_cache or {}).get(master_ref)
        if marc is None and (changed or not union_record.marc):
            marc = member_records.read_marc(*master_ref)
        if marc is not None and bytes(union_record.marc or b"") != marc:
            union_record.marc = marc
            changed = True
        if union_record.deleted:
            union_record.deleted = False
            changed = True
    bib_changed = before != _snapshot(union_record)
    if not changed:
        return False
    union_record.version += 1
    union_record.save()
    if bib_changed or union_record.version == 1:
        record_version(union_record, before, kind, user, library)
    UnionChange.objects.create(union_record_id=union_record.pk)
    return True


def _set_keys(holding: UnionHolding, keys: list[str]) -> None:
    existing = set(holding.keys.values_list("key", flat=True))
    wanted = {k[:80] for k in keys}
    if existing != wanted:
        holding.keys.exclude(key__in=wanted).delete()
        UnionMatchKey.objects.bulk_create([UnionMatchKey(holding=holding, key=k) for k in wanted - existing])


def remove(library_id: int, instance_id: int) -> bool:
    """Take a withdrawn or deleted member record out of the union catalogue."""
    holding = UnionHolding.objects.filter(library_id=library_id, instance_id=instance_id).first()
    transition_all(MatchReview.objects.filter(
        Q(library_id=library_id, instance_id=instance_id)
        | Q(candidate_library_id=library_id, candidate_instance_id=instance_id),
    ), MATCH_REVIEW, "retire", audit=MatchReviewStatusChange)
    if holding is None:
        return False
    union_record = holding.union_record
    holding.delete()
    if not split_disconnected(union_record):
        refresh(union_record)
    return True


def split_disconnected(union_record: UnionRecord) -> list[UnionRecord]:
    """After a member has left, split what no longer hangs together.

    Members are linked by a match or a coordinator's "together" decision (and never across a
    "keep apart" one); the member that left may have been the only link between the others. The
    group holding the master (else the largest) keeps the union record and its id; every other
    group moves to a new union record. Returns the new union records (refreshed); when there are
    none the caller refreshes ``union_record`` itself.
    """
    rows = list(UnionHolding.objects.filter(union_record=union_record).order_by("id").values(
        "id", "library_id", "instance_id", "match_data"))
    if len(rows) < 2 or len(rows) > MAX_RECHECKED_CLUSTER:
        return []
    members = [MatchRecord.from_json((r["library_id"], r["instance_id"]), r["match_data"]) for r in rows]
    decisions = load_decisions([m.ref for m in members])
    parent = list(range(len(members)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(members):
        for j in range(i + 1, len(members)):
            b = members[j]
            if root(i) == root(j) or decisions.cannot_link(a.ref, b.ref):
                continue
            if decisions.must_link(a.ref, b.ref) or compare(a, b, decisions.bad_keys).match:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(members)):
        groups.setdefault(root(i), []).append(i)
    if len(groups) == 1:
        return []
    master = (union_record.master_library_id, union_record.master_instance_id)
    keep = max(groups.values(), key=lambda g: (any(members[i].ref == master for i in g), len(g), -g[0]))
    created = []
    for group in groups.values():
        if group is keep:
            continue
        target = new_union_record()
        UnionHolding.objects.filter(id__in=[rows[i]["id"] for i in group]).update(union_record=target)
        refresh(target, holdings_changed=True)
        created.append(target)
    refresh(union_record, holdings_changed=True)
    return created


def place(member: MemberRecord, decisions: Decisions | None = None, marc_cache: dict | None = None,
          force: bool = False, actor: dict | None = None) -> UnionRecord:
    """Put one member record in the union record it matches, creating one if none matches."""
    if member.withdrawn:
        remove(member.library_id, member.instance_id)
        return None
    library_id, instance_id = member.ref
    from tenants.models import Library

    kind = Library.objects.filter(pk=library_id).values_list("kind", flat=True).first() or ""
    match = member.match_record()
    match_data = match.to_json()
    record = dict(member.record)
    record["_encoding_level"] = member.encoding_level
    summary = member.summary()
    rank = member_records.source_rank(member.record, kind)
    holding = UnionHolding.objects.select_related("union_record").filter(
        library_id=library_id, instance_id=instance_id).first()
    cache = dict(marc_cache or {})
    if member.marc is not None:
        cache[member.ref] = member.marc

    if not force and holding is not None and holding.match_data == match_data and not holding.union_record.deleted:
        # Matching data unchanged: the record stays where it is; update what it shows.
        changed_summary = any(getattr(holding, f) != v for f, v in summary.items())
        if holding.record != record or changed_summary or holding.source_rank != rank:
            holding.record, holding.source_rank = record, rank
            for name, value in summary.items():
                setattr(holding, name, value)
            holding.save()
        refresh(holding.union_record, marc_cache=cache, holdings_changed=changed_summary, **(actor or {}))
        return holding.union_record

    if decisions is None:
        decisions = load_decisions([member.ref])
    keys = match.blocking_keys()
    candidate_ids = set(
        UnionMatchKey.objects.filter(key__in=keys, holding__union_record__deleted=False)
        .exclude(holding__library_id=library_id, holding__instance_id=instance_id)
        .values_list("holding__union_record_id", flat=True)
        .distinct()[:MAX_CANDIDATE_CLUSTERS]
    )
    for partner in decisions.partners(member.ref):
        ur_id = UnionHolding.objects.filter(library_id=partner[0], instance_id=partner[1]).values_list(
            "union_record_id", flat=True).first()
        if ur_id:
            candidate_ids.add(ur_id)
    current = holding.union_record_id if holding else None
    if current:
        candidate_ids.add(current)
    candidates: dict[int, list[MatchRecord]] = {}
    for row in UnionHolding.objects.filter(union_record_id__in=candidate_ids).values(
        "union_record_id", "library_id", "instance_id", "match_data"
    ):
        ref = (row["library_id"], row["instance_id"])
        if ref == member.ref:
            continue
        candidates.setdefault(row["union_record_id"], []).append(MatchRecord.from_json(ref, row["match_data"]))
    choice = choose_cluster(match, candidates, decisions, current=current)

    old_record = holding.union_record if holding else None
    if choice.cluster is not None:
        target = UnionRecord.objects.get(pk=choice.cluster)
    elif old_record is not None and not old_record.holdings.exclude(pk=holding.pk).exists():
        target = old_record  # alone before and alone now: keep its id
    else:
        target = new_union_record()
    matched_on = choice.decision.explain() if choice.decision else {}
    if choice.matched_ref:
        matched_on["with"] = list(choice.matched_ref)
    if holding is None:
        holding = UnionHolding(library_id=library_id, instance_id=instance_id)
    holding.union_record = target
    holding.match_data, holding.record, holding.matched_on, holding.source_rank = match_data, record, matched_on, rank
    for name, value in summary.items():
        setattr(holding, name, value)
    holding.save()
    _set_keys(holding, keys)
    for cluster_id, other_ref, decision in choice.uncertain:
        MatchReview.objects.get_or_create(
            library_id=library_id, instance_id=instance_id, candidate_library_id=other_ref[0],
            candidate_instance_id=other_ref[1],
            defaults={"union_record": target, "candidate_id": cluster_id, "score": decision.score,
                      "explanation": decision.explain()},
        )
    refresh(target, marc_cache=cache, holdings_changed=True, **(actor or {}))
    if old_record is not None and old_record.pk != target.pk and not split_disconnected(old_record):
        refresh(old_record)
    return target


def apply_pins() -> int:
    """Re-apply the coordinators' pinned masters (after a rebuild)."""
    count = 0
    for decision in ClusterDecision.objects.filter(kind=ClusterDecision.Kind.PIN).order_by("id"):
        holding = UnionHolding.objects.filter(library_id=decision.library_a_id, instance_id=decision.instance_a).first()
        if holding is None:
            continue
        union_record = holding.union_record
        ref = (holding.library_id, holding.instance_id)
        if union_record.master_pinned and (union_record.master_library_id, union_record.master_instance_id) == ref:
            continue
        UnionRecord.objects.filter(pk=union_record.pk).update(
            master_pinned=True, master_library_id=ref[0], master_instance_id=ref[1])
        refresh(union_record, kind="pin")
        count += 1
    return count

