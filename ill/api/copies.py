"""Document delivery in the API: a lender uploads a scan, the borrower's reader or staff download it.

- ``POST /api/v1/ill/libraries/<code>/copies/<supply number>/`` (multipart: ``file``, ``pages``,
  ``declaration``) by the lender's own ILL staff or administrator; ``GET`` there shows what was sent.
  (Not under ``supplies/<number>/``, whose next segment names a supply's action.)
- ``GET /api/v1/ill/copies/<token>/`` the PDF, counted as one download, for the reader whose
  request it is and the borrowing library's own ILL staff; 410 once the link expired or its
  downloads are used up.
- ``GET /api/v1/ill/copies/<token>/details/`` the delivery's details (no download counted).

The lender's staff never download a scan they sent (see ``ill.services.copies``).
"""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import ErrorSerializer
from ill.models import CopyDelivery, Supply
from ill.services import copies
from tenants.models import Library, Role
from tenants.services import access

GONE = OpenApiResponse(ErrorSerializer, description="The link expired or its downloads are used up (the file is "
                                                    "deleted); code: expired, used_up or deleted.")
UPLOAD_ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Not accepted; code: not_pdf, too_large, no_pages, "
                                                             "no_declaration (or a field's messages).")


class CopyUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the scan, a PDF")
    pages = serializers.IntegerField(min_value=0, max_value=copies.MAX_PAGES, help_text="pages supplied (at least one)")
    declaration = serializers.BooleanField(
        help_text="the copyright declaration is made (the default text is kept with the copy)")
    declaration_text = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                             help_text="another text for the declaration (optional)")


class CopyDeliverySerializer(serializers.ModelSerializer):
    """What was sent: for the lender, the borrower and the reader alike (the link only to the latter)."""

    supply = serializers.CharField(source="supply.number", help_text="the lender's number")
    request = serializers.CharField(source="request.number", allow_null=True, default=None,
                                    help_text="the borrower's request number")
    state = serializers.SerializerMethodField(help_text="available, expired, used_up or deleted")
    downloads_left = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField(help_text="the download URL (for those who may download)")

    class Meta:
        model = CopyDelivery
        fields = ["supply", "request", "pages", "size", "sha256", "uploaded_at", "expires_at", "downloads",
                  "max_downloads", "downloads_left", "state", "copyright_declared", "declaration", "declared_by",
                  "download"]

    def get_state(self, delivery) -> str:
        return copies.availability(delivery).state

    def get_downloads_left(self, delivery) -> int:
        return copies.availability(delivery).downloads_left

    def get_download(self, delivery) -> str | None:
        request = self.context.get("request")
        if request is None or not copies.may_download(request.user, delivery):
            return None
        return request.build_absolute_uri(reverse("ill-api-copy-download", args=[delivery.token]))


def _lender_supply(request, code: str, number: str) -> Supply:
    """The supply ``number`` of the lender ``code``, for its own ILL staff (or administrator)."""
    library = get_object_or_404(Library, code=code, is_active=True)
    if not access.has_own_role(request.user, library, Role.ILL_STAFF):
        raise PermissionDenied
    return get_object_or_404(Supply.objects.select_related("lender"), lender=library, number=number)


class SupplyCopy(APIView):
    """The scan for one of the lender's supplies: ``POST`` sends it, ``GET`` shows what was sent."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: CopyDeliverySerializer})
    def get(self, request, code, number):
        supply = _lender_supply(request, code, number)
        delivery = get_object_or_404(CopyDelivery.objects.select_related("supply", "request"), supply=supply)
        return Response(CopyDeliverySerializer(delivery, context={"request": request}).data)

    @extend_schema(request={"multipart/form-data": CopyUploadSerializer},
                   responses={201: CopyDeliverySerializer, 400: UPLOAD_ERRORS})
    def post(self, request, code, number):
        supply = _lender_supply(request, code, number)
        form = CopyUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        declaration = (data.get("declaration_text") or True) if data["declaration"] else False
        delivery = copies.upload_copy(supply, data["file"], pages=data["pages"], declaration=declaration,
                                      actor=request.user)
        return Response(CopyDeliverySerializer(delivery, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def _delivery_for(request, token: str, check) -> CopyDelivery:
    delivery = copies.delivery_for_token(token)
    if not check(request.user, delivery):
        raise PermissionDenied
    return delivery


class CopyDownload(APIView):
    """The scan as a PDF; each call counts as one of the link's downloads."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 410: GONE})
    def get(self, request, token):
        _delivery_for(request, token, copies.may_download)
        handle, name = copies.open_download(token)
        return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")


class CopyDetails(APIView):
    """A delivery's details (pages, size, expiry, downloads left); nothing is counted."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: CopyDeliverySerializer})
    def get(self, request, token):
        delivery = _delivery_for(request, token, copies.may_see)
        return Response(CopyDeliverySerializer(delivery, context={"request": request}).data)


urlpatterns = [
    path("libraries/<str:code>/copies/<str:number>/", SupplyCopy.as_view(), name="ill-api-supply-copy"),
    path("copies/<str:token>/", CopyDownload.as_view(), name="ill-api-copy-download"),
    path("copies/<str:token>/details/", CopyDetails.as_view(), name="ill-api-copy"),
]
