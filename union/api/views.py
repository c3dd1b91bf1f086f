"""The union catalogue API (/api/v1/union/...).

Readers and staff of any member (and coordinators) may view; cataloguers change their own
library's catalogue (copy, items, proposals); the master record's library or a coordinator
decides proposals (consortium policy); only coordinators split, merge, pin and review.
"""

from __future__ import annotations

from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from core.exceptions import NotFound, PermissionDenied, UserError
from tenants.services import access
from union.api import serializers as s
from union.models import ConsortiumPolicy, MatchReview, Proposal, UnionHolding
from union.services import cataloguing, clusters, explanations, quality
from union.services.access import (
    member_library,
    quality_libraries,
    require_consortium_coordinator,
    require_coordinator,
    require_review_coordinator,
    require_wrong_key_coordinator,
    reviews_for,
)
from union.services.export_selection import select_for_export


class CanViewUnion(BasePermission):
    def has_permission(self, request, view) -> bool:
        return cataloguing.can_view(request.user)


def _ref(item: dict) -> tuple[int, int]:
    return (member_library(item["library"]).pk, int(item["instance_id"]))


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(parameters=[
    OpenApiParameter("q", OpenApiTypes.STR, description="words of the title, author or publisher"),
    OpenApiParameter("isbn", OpenApiTypes.STR),
    OpenApiParameter("library", OpenApiTypes.STR, description="only records held by this member library"),
    OpenApiParameter("material_type", OpenApiTypes.STR),
    OpenApiParameter("year", OpenApiTypes.INT),
])
class RecordList(generics.ListAPIView):
    permission_classes = [IsAuthenticated, CanViewUnion]
    serializer_class = s.UnionRecordListSerializer

    def get_queryset(self):
        p = self.request.query_params
        try:
            library = member_library(p["library"]) if p.get("library") else None
        except NotFound as exc:  # a filter naming no library is bad input, not a missing page
            raise UserError(exc.message, code="bad_library") from None
        year = p.get("year")
        if year and not year.isdigit():
            raise UserError(_("The year must be a number."), code="bad_year")
        qs = cataloguing.search(p.get("q", ""), isbn=p.get("isbn", ""), library=library,
                                material_type=p.get("material_type", ""), year=int(year) if year else None)
        return qs.select_related("master_library").annotate(library_count=Count("holdings__library", distinct=True))


@extend_schema(responses=s.UnionRecordSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewUnion])
def record_detail(request, urid):
    record = cataloguing.get_record(urid)
    return Response(s.UnionRecordSerializer(record).data)


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewUnion])
def record_why(request, urid):
    """Why these member records are one union record: shared keys and each member against the master."""
    return Response(explanations.why(cataloguing.get_record(urid)))


@extend_schema(request=s.LibraryRef, responses={201: s.CopyResult})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def record_copy(request, urid):
    record = cataloguing.get_record(urid)
    cataloguing.require_some_cataloguer(request.user)  # refused before the payload is read
    library = member_library(_valid(s.LibraryRef, request.data)["library"])
    instance_id = cataloguing.copy_to_library(record, library, request.user)
    return Response({"library": library.code, "instance_id": instance_id}, status=status.HTTP_201_CREATED)


@extend_schema(request=s.ItemInput, responses={201: s.ItemResult})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def add_item(request, code, instance_id):
    library = member_library(code)
    cataloguing.require_cataloguer(request.user, library)  # an outsider is refused before the payload is read
    data = _valid(s.ItemInput, request.data)
    return Response(cataloguing.add_item(library, instance_id, request.user, **data), status=status.HTTP_201_CREATED)


@extend_schema(methods=["POST"], request=s.LockInput, responses=s.LockResult)
@extend_schema(methods=["DELETE"], responses={204: None})
@api_view(["POST", "DELETE"])
@permission_classes([IsAuthenticated])
def record_lock(request, urid):
    record = cataloguing.get_record(urid)
    if request.method == "DELETE":
        cataloguing.release_lock(record, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    code = _valid(s.LockInput, request.data)["library"]
    library = member_library(code) if code else None
    if library is not None:
        cataloguing.require_cataloguer(request.user, library)
    elif not (cataloguing.can_decide(request.user, record)):
        raise PermissionDenied(_("Only cataloguers may lock a record for editing."))
    lock = cataloguing.acquire_lock(record, request.user, library)
    return Response({"urid": record.urid, "user": request.user.username, "expires_at": lock.expires_at})


@extend_schema(methods=["GET"], responses=s.ProposalSerializer(many=True))
@extend_schema(methods=["POST"], request=s.ProposalInput, responses={201: s.ProposalSerializer})
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated, CanViewUnion])
def record_proposals(request, urid):
    record = cataloguing.get_record(urid)
    if request.method == "GET":
        rows = record.proposals.select_related("union_record", "proposed_by", "library", "decided_by").order_by("-id")
        return Response(s.ProposalSerializer(rows, many=True).data)
    cataloguing.require_some_cataloguer(request.user)  # refused before the payload is read
    data = _valid(s.ProposalInput, request.data)
    proposal = cataloguing.propose(record, request.user, member_library(data["library"]), data["changes"],
                                  data["comment"])
    return Response(s.ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


@extend_schema(request=s.NoteInput, responses=s.ProposalSerializer,
               parameters=[OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH,
                                            enum=["accept", "reject"])])
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def proposal_decide(request, pk, action):
    if action not in ("accept", "reject"):
        raise NotFound(_("A proposal is accepted or rejected."))
    proposal = get_object_or_404(Proposal.objects.select_related("union_record"), pk=pk)
    note = _valid(s.NoteInput, request.data)["note"]
    if action == "accept":
        cataloguing.accept(proposal, request.user, note)
    else:
        cataloguing.reject(proposal, request.user, note)
    proposal.refresh_from_db()
    return Response(s.ProposalSerializer(proposal).data)


@extend_schema(responses=s.VersionSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewUnion])
def record_versions(request, urid):
    record = cataloguing.get_record(urid)
    rows = record.versions.select_related("changed_by", "library").order_by("-version")
    return Response(s.VersionSerializer(rows, many=True).data)


@extend_schema(responses=s.CompareResult, parameters=[
    OpenApiParameter("a", OpenApiTypes.INT, required=True), OpenApiParameter("b", OpenApiTypes.INT, required=True)])
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewUnion])
def record_compare(request, urid):
    record = cataloguing.get_record(urid)
    try:
        a, b = int(request.query_params["a"]), int(request.query_params["b"])
    except (KeyError, ValueError):
        raise UserError(_("Give two version numbers as a and b."), code="bad_versions") from None
    return Response({"urid": urid, "a": a, "b": b, "changes": cataloguing.compare_versions(record, a, b)})


@extend_schema(request=None, responses=s.UnionRecordSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def record_restore(request, urid, version):
    record = cataloguing.restore(cataloguing.get_record(urid), version, request.user)
    return Response(s.UnionRecordSerializer(record).data)


@extend_schema(request=s.SplitInput, responses={201: s.SplitResult})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def record_split(request, urid):
    record = cataloguing.get_record(urid)
    require_coordinator(request.user, record)
    data = _valid(s.SplitInput, request.data)
    new = clusters.split(record, [_ref(m) for m in data["members"]], request.user, data["note"])
    return Response({"urid": record.urid, "new_urid": new.urid}, status=status.HTTP_201_CREATED)


@extend_schema(request=s.MergeInput, responses=s.UnionRecordSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def record_merge(request, urid):
    record = cataloguing.get_record(urid)
    require_coordinator(request.user, record)
    data = _valid(s.MergeInput, request.data)
    other = cataloguing.get_record(data["other"])
    require_coordinator(request.user, other)  # a merge changes both records
    clusters.merge(record, other, request.user, data["note"])
    record.refresh_from_db()
    return Response(s.UnionRecordSerializer(record).data)


@extend_schema(methods=["POST"], request=s.MemberRef, responses=s.UnionRecordSerializer)
@extend_schema(methods=["DELETE"], responses={200: s.UnionRecordSerializer})
@api_view(["POST", "DELETE"])
@permission_classes([IsAuthenticated])
def record_pin(request, urid):
    record = cataloguing.get_record(urid)
    require_coordinator(request.user, record)
    if request.method == "DELETE":
        record = clusters.unpin_master(record, request.user)
    else:
        data = _valid(s.MemberRef, request.data)
        record = clusters.pin_master(record, _ref(data), request.user)
    return Response(s.UnionRecordSerializer(record).data)


class ReviewList(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.ReviewSerializer

    def get_queryset(self):
        return reviews_for(self.request.user, self.request.query_params.get("status", MatchReview.Status.OPEN))


@extend_schema(request=s.ReviewActionInput, responses=s.ReviewSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def review_resolve(request, pk):
    require_coordinator(request.user)
    review = get_object_or_404(MatchReview, pk=pk)
    action = _valid(s.ReviewActionInput, request.data)["action"]
    require_review_coordinator(request.user, review, action)
    review = clusters.resolve_review(review, action, request.user)
    return Response(s.ReviewSerializer(review).data)


@extend_schema(request=s.WrongKeyInput, responses=s.WrongKeyResult)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def wrong_key(request):
    require_consortium_coordinator(request.user)  # refused before the payload is read
    data = _valid(s.WrongKeyInput, request.data)
    require_wrong_key_coordinator(request.user, data["key"])
    count = clusters.mark_wrong_key(data["key"], request.user, data["note"])
    return Response({"key": data["key"], "records_replaced": count})


@extend_schema(request=s.PolicySerializer, responses=s.PolicySerializer)
@api_view(["GET", "PUT"])
@permission_classes([IsAuthenticated, CanViewUnion])
def policy(request):
    current = ConsortiumPolicy.current()
    if request.method == "PUT":
        require_consortium_coordinator(request.user)
        data = _valid(s.PolicySerializer, request.data)
        current.proposal_approval = data.get("proposal_approval", current.proposal_approval)
        current.lock_minutes = data.get("lock_minutes", current.lock_minutes)
        current.save()
    return Response({"proposal_approval": current.proposal_approval, "lock_minutes": current.lock_minutes})


@extend_schema(responses={(200, "application/marc"): OpenApiTypes.BINARY,
                          (200, "application/marcxml+xml"): OpenApiTypes.STR})
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewUnion])
def export_records(request):
    selection = select_for_export(request.query_params)
    response = StreamingHttpResponse(selection.chunks(), content_type=selection.content_type)
    response["Content-Disposition"] = f'attachment; filename="{selection.filename}"'
    return response


@extend_schema(responses=s.QualitySerializer(many=True), operation_id="union_quality_list")
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def quality_consortium(request):
    """Record quality of every library the user may see."""
    libraries = quality_libraries(request.user)  # a reader's own library is not enough
    if not libraries.exists():
        raise PermissionDenied(_("Only library staff and coordinators see quality reports."))
    return Response(quality.consortium_quality(libraries))


@extend_schema(responses=s.QualitySerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def quality_library(request, code):
    library = member_library(code)
    if not access.is_staff_of(request.user, library):
        raise PermissionDenied(_("Only the library's staff and coordinators see its quality report."))
    return Response(quality.library_quality(library))


@extend_schema(responses=s.MemberRecordResult)
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewUnion])
def holding_lookup(request, code, instance_id):
    """The union record of one member record."""
    holding = UnionHolding.objects.filter(library__code=code, instance_id=instance_id).select_related(
        "union_record").first()
    if holding is None:
        raise NotFound(_("This record is not (yet) in the union catalogue."))
    return Response({"urid": holding.union_record.urid, "why": holding.matched_on})
