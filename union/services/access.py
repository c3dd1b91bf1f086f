"""Who may act where in the union catalogue, for the API and the web pages alike.

A coordinator acts only inside the regions they coordinate (their region and every region
below it, ``tenants.services.access``), and an action must lie inside them for every library
it touches: a union record lies in the regions of its master library and of every library
holding it (a merge needs both records), a match review in the regions of both member records
it would keep apart, and, merged, in those of both records it would join. What belongs to the
whole consortium (its policy, identifiers marked wrong for all matching) and what lies in no
region at all (a record with neither master nor holdings) is left to a coordinator of a top
region (one with no parent).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from core.exceptions import NotFound, PermissionDenied
from tenants.models import STAFF_ROLES, Library, Region, Role
from tenants.services import access
from union.models import MatchReview, UnionHolding, UnionMatchKey, UnionRecord


def member_library(code: str) -> Library:
    """The active member library with ``code``."""
    library = Library.objects.filter(code=code, is_active=True).first()
    if library is None:
        raise NotFound(_("No member library has the code %(code)s.") % {"code": code})
    return library


def record_region_ids(union_record: UnionRecord) -> set[int]:
    """The regions of every library the record touches: its master's and every holder's."""
    regions = set(union_record.holdings.values_list("library__region_id", flat=True))
    if union_record.master_library_id is not None:
        regions.add(union_record.master_library.region_id)
    return regions


def is_consortium_coordinator(user) -> bool:
    """A coordinator of a top region (no parent): the consortium's own settings are theirs."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or Region.objects.filter(
        parent__isnull=True, memberships__user=user, memberships__role=Role.COORDINATOR).exists()


def _covers(user, region_ids: set[int], covered: set[int] | None = None) -> bool:
    if not region_ids:
        return is_consortium_coordinator(user)
    return region_ids <= (access.coordinated_region_ids(user) if covered is None else covered)


def _covers_records(user, union_records) -> bool:
    covered = access.coordinated_region_ids(user)
    return all(_covers(user, record_region_ids(record), covered) for record in union_records)


def may_coordinate(user, *union_records: UnionRecord) -> bool:
    """Whether ``user`` may care for these union records; with none, whether they coordinate anywhere."""
    return access.is_coordinator(user) and _covers_records(user, union_records)


def require_coordinator(user, *union_records: UnionRecord) -> None:
    if not access.is_coordinator(user):
        raise PermissionDenied(_("Only consortium coordinators may do this."))
    if not _covers_records(user, union_records):
        raise PermissionDenied(_("Only a coordinator of the record's region may do this."))


def require_consortium_coordinator(user) -> None:
    if not is_consortium_coordinator(user):
        raise PermissionDenied(_("Only a coordinator of the whole consortium may do this."))


def require_review_coordinator(user, review: MatchReview, action: str = "") -> None:
    """Keeping apart touches the review's two libraries; a merge also every library of both records."""
    if not access.is_coordinator(user):
        raise PermissionDenied(_("Only consortium coordinators may do this."))
    regions = set(
        Library.objects.filter(pk__in=(review.library_id, review.candidate_library_id)).values_list(
            "region_id", flat=True
        )
    )
    if not _covers(user, regions):
        raise PermissionDenied(_("Only a coordinator of both libraries' regions may resolve this review."))
    if action == "merge":
        records = UnionRecord.objects.filter(holdings__in=UnionHolding.objects.filter(
            Q(library_id=review.library_id, instance_id=review.instance_id)
            | Q(library_id=review.candidate_library_id, instance_id=review.candidate_instance_id)
        )).select_related("master_library").distinct()
        if not may_coordinate(user, *records):
            raise PermissionDenied(_("Only a coordinator of the record's region may do this."))


def require_wrong_key_coordinator(user, key: str) -> None:
    """The wrong keys guide all matching, and marking one re-places every record carrying it."""
    require_consortium_coordinator(user)
    regions = set(UnionMatchKey.objects.filter(key=key.strip()).values_list(
        "holding__library__region_id", flat=True))
    if not _covers(user, regions):
        raise PermissionDenied(_("Only a coordinator of the record's region may do this."))


def quality_libraries(user):
    """Active libraries whose quality report ``user`` may read: those they are staff of or coordinate."""
    return access.libraries_with_role(user, *STAFF_ROLES, Role.COORDINATOR).filter(is_active=True)


def reviews_for(user, status: str = MatchReview.Status.OPEN):
    """The match reviews ``user`` may resolve, best candidates first."""
    require_coordinator(user)
    covered = access.coordinated_region_ids(user)
    return (
        MatchReview.objects.filter(
            status=status, library__region_id__in=covered, candidate_library__region_id__in=covered
        )
        .select_related("library", "candidate_library", "union_record", "candidate")
        .order_by("-score", "id")
    )
