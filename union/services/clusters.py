"""Cluster care by coordinators: split, merge, pin a master, mark an identifier wrong, review.

Each decision is stored as ClusterDecision / WrongMatchKey rows about member records (library
and instance ids), which do not change when the union catalogue is rebuilt, so the decisions
survive ``rebuild_union`` and every later sync.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, UserError
from core.workflow import transition, transition_all
from tenants.models import Library
from union.models import (
    ClusterDecision,
    MatchReview,
    MatchReviewStatusChange,
    UnionHolding,
    UnionMatchKey,
    UnionRecord,
    WrongMatchKey,
)
from union.services import clustering
from union.services.records import read_members
from union.workflow import MATCH_REVIEW

Ref = tuple[int, int]


def _members(union_record: UnionRecord) -> list[Ref]:
    return list(union_record.holdings.order_by("library_id", "instance_id").values_list("library_id", "instance_id"))


@transaction.atomic
def split(union_record: UnionRecord, move: list[Ref], user=None, note: str = "") -> UnionRecord:
    """Move the member records ``move`` out of ``union_record`` into a new union record."""
    members = set(_members(union_record))
    move = [tuple(ref) for ref in move]
    if not move or not set(move) <= members:
        raise UserError(_("Choose member records of this union record to split off."), code="bad_members")
    if set(move) == members:
        raise UserError(_("At least one member record must stay in the union record."), code="bad_members")
    stay = members - set(move)
    ClusterDecision.objects.bulk_create([
        ClusterDecision(kind=ClusterDecision.Kind.APART, library_a_id=a[0], instance_a=a[1], library_b_id=b[0],
                        instance_b=b[1], decided_by=user, note=note)
        for a in sorted(move) for b in sorted(stay)
    ])
    # A "together" decision that tied them would contradict this one.
    for a in move:
        for b in stay:
            ClusterDecision.objects.filter(
                kind=ClusterDecision.Kind.TOGETHER, library_a_id__in=[a[0], b[0]], library_b_id__in=[a[0], b[0]],
                instance_a__in=[a[1], b[1]], instance_b__in=[a[1], b[1]]).delete()
    new = clustering.new_union_record()
    for library_id, instance_id in move:
        UnionHolding.objects.filter(library_id=library_id, instance_id=instance_id).update(
            union_record=new, matched_on={"keys": ["coordinator_split"], "match": True})
    if union_record.master_pinned and (union_record.master_library_id, union_record.master_instance_id) in move:
        union_record.master_pinned = False
        union_record.save(update_fields=["master_pinned"])
    clustering.refresh(union_record, kind="split", user=user)
    clustering.refresh(new, kind="split", user=user)
    return new


@transaction.atomic
def merge(target: UnionRecord, other: UnionRecord, user=None, note: str = "") -> UnionRecord:
    """Move every member of ``other`` into ``target``; ``other`` is retired (its urid still resolves)."""
    if target.pk == other.pk:
        raise UserError(_("A union record cannot be merged with itself."), code="same_record")
    if target.deleted or other.deleted:
        raise Conflict(_("Only live union records can be merged."), code="deleted")
    anchor = (target.master_library_id, target.master_instance_id)
    moving = _members(other)
    for ref in moving:
        ClusterDecision.objects.filter(kind=ClusterDecision.Kind.APART).filter(
            library_a_id__in=[ref[0], anchor[0]], instance_a__in=[ref[1], anchor[1]],
            library_b_id__in=[ref[0], anchor[0]], instance_b__in=[ref[1], anchor[1]]).delete()
        ClusterDecision.objects.create(
            kind=ClusterDecision.Kind.TOGETHER, library_a_id=ref[0], instance_a=ref[1], library_b_id=anchor[0],
            instance_b=anchor[1], decided_by=user, note=note)
    other.holdings.update(union_record=target, matched_on={"keys": ["coordinator_merge"], "match": True,
                                                           "with": list(anchor)})
    transition_all(MatchReview.objects.filter(union_record__in=[target, other], candidate__in=[target, other]),
                   MATCH_REVIEW, "merge", audit=MatchReviewStatusChange, actor=user, note=note,
                   values={"resolved_by": user, "resolved_at": timezone.now()})
    clustering.refresh(target, kind="merge", user=user)
    clustering.refresh(other, kind="merge", user=user)
    return target


@transaction.atomic
def pin_master(union_record: UnionRecord, ref: Ref, user=None) -> UnionRecord:
    ref = tuple(ref)
    if ref not in set(_members(union_record)):
        raise UserError(_("The master must be one of the union record's member records."), code="bad_members")
    members = _members(union_record)
    for library_id, instance_id in members:
        ClusterDecision.objects.filter(kind=ClusterDecision.Kind.PIN, library_a_id=library_id,
                                       instance_a=instance_id).delete()
    ClusterDecision.objects.create(kind=ClusterDecision.Kind.PIN, library_a_id=ref[0], instance_a=ref[1],
                                   decided_by=user)
    UnionRecord.objects.filter(pk=union_record.pk).update(
        master_pinned=True, master_library_id=ref[0], master_instance_id=ref[1])
    clustering.refresh(union_record, kind="pin", user=user)
    union_record.refresh_from_db()
    return union_record


@transaction.atomic
def unpin_master(union_record: UnionRecord, user=None) -> UnionRecord:
    for library_id, instance_id in _members(union_record):
        ClusterDecision.objects.filter(kind=ClusterDecision.Kind.PIN, library_a_id=library_id,
                                       instance_a=instance_id).delete()
    UnionRecord.objects.filter(pk=union_record.pk).update(master_pinned=False)
    clustering.refresh(union_record, kind="pin", user=user)
    union_record.refresh_from_db()
    return union_record


@transaction.atomic
def mark_wrong_key(key: str, user=None, note: str = "") -> int:
    """Never match on ``key`` again (say an ISBN printed on several books); re-place its records."""
    key = key.strip()
    if ":" not in key:
        raise UserError(_("Give a key such as isbn:9787503717444."), code="bad_key")
    WrongMatchKey.objects.get_or_create(key=key, defaults={"marked_by": user, "note": note})
    refs = list(UnionMatchKey.objects.filter(key=key).values_list("holding__library_id", "holding__instance_id"))
    return replace_records(refs)


def replace_records(refs: list[Ref]) -> int:
    by_library: dict[int, list[int]] = {}
    for library_id, instance_id in refs:
        by_library.setdefault(library_id, []).append(instance_id)
    count = 0
    for library in Library.objects.filter(pk__in=list(by_library)).order_by("code"):
        members = read_members(library, by_library[library.pk])
        for instance_id in sorted(by_library[library.pk]):
            member = members.get(instance_id)
            if member is None:
                clustering.remove(library.pk, instance_id)
            else:
                clustering.place(member, force=True)
            count += 1
    return count


# What a coordinator asks for -> the action of the review table.
REVIEW_ACTIONS = {"merge": "merge", "apart": "keep_apart"}


@transaction.atomic
def resolve_review(review: MatchReview, action: str, user=None) -> MatchReview:
    refusal = MATCH_REVIEW.refusal("retire", review.status)  # every resolution starts from "open"
    if refusal:
        raise Conflict(refusal[0], code=refusal[1])
    if action not in REVIEW_ACTIONS:
        raise UserError(_("The action must be merge or apart."), code="bad_action")
    ref = (review.library_id, review.instance_id)
    other = (review.candidate_library_id, review.candidate_instance_id)
    here = UnionHolding.objects.filter(library_id=ref[0], instance_id=ref[1]).select_related("union_record").first()
    there = UnionHolding.objects.filter(library_id=other[0], instance_id=other[1]).select_related(
        "union_record").first()
    moot = here is None or there is None
    # Resolved before the clusters change: the loser of a race stops here, having changed nothing.
    transition(review, MATCH_REVIEW, "retire" if moot else REVIEW_ACTIONS[action], audit=MatchReviewStatusChange,
               actor=user, values={"resolved_by": user, "resolved_at": timezone.now()})
    if moot:
        return review
    if action == "merge":
        if here.union_record_id != there.union_record_id:
            merge(there.union_record, here.union_record, user=user, note=_("review"))
    else:
        ClusterDecision.objects.create(kind=ClusterDecision.Kind.APART, library_a_id=ref[0], instance_a=ref[1],
                                       library_b_id=other[0], instance_b=other[1], decided_by=user)
    return review
