"""Who may act where in the union catalogue, for the API and the web pages alike.

A coordinator acts only inside the regions they coordinate (their region and every region
below it, ``tenants.services.access``): a union record lies in its master library's region,
a match review in the regions of both member records it would join or keep apart. What lies
in no region at all (a record with neither master nor holdings) is left to coordinators of
the whole consortium.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.exceptions import NotFound, PermissionDenied
from tenants.models import Library, Region
from tenants.services import access
from union.models import MatchReview, UnionRecord


def member_library(code: str) -> Library:
    """The active member library with ``code``."""
    library = Library.objects.filter(code=code, is_active=True).first()
    if library is None:
        raise NotFound(_("No member library has the code %(code)s.") % {"code": code})
    return library


def record_region_ids(union_record: UnionRecord) -> set[int]:
    if union_record.master_library_id is not None:
        return {union_record.master_library.region_id}
    # No master (yet): the record lies wherever it is held.
    return set(union_record.holdings.values_list("library__region_id", flat=True))


def _covers(user, region_ids: set[int]) -> bool:
    covered = access.coordinated_region_ids(user)
    if not region_ids:
        return bool(covered) and covered >= set(Region.objects.values_list("pk", flat=True))
    return region_ids <= covered


def may_coordinate(user, *union_records: UnionRecord) -> bool:
    """Whether ``user`` may care for these union records; with none, whether they coordinate anywhere."""
    if not access.is_coordinator(user):
        return False
    return all(_covers(user, record_region_ids(record)) for record in union_records)


def require_coordinator(user, *union_records: UnionRecord) -> None:
    if not access.is_coordinator(user):
        raise PermissionDenied(_("Only consortium coordinators may do this."))
    if not may_coordinate(user, *union_records):
        raise PermissionDenied(_("Only a coordinator of the record's region may do this."))


def require_review_coordinator(user, review: MatchReview) -> None:
    if not access.is_coordinator(user):
        raise PermissionDenied(_("Only consortium coordinators may do this."))
    regions = set(
        Library.objects.filter(pk__in=(review.library_id, review.candidate_library_id)).values_list(
            "region_id", flat=True
        )
    )
    if not _covers(user, regions):
        raise PermissionDenied(_("Only a coordinator of both libraries' regions may resolve this review."))


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
