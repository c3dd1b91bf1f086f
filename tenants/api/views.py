from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import Conflict
from tenants.api.permissions import IsCoordinator, IsLibraryAdmin, IsLibraryStaff
from tenants.api.serializers import (
    LibrarySerializer,
    LibraryUpdateSerializer,
    MembershipSerializer,
    MeSerializer,
    RegionSerializer,
)
from tenants.models import Membership, Region
from tenants.services import access
from tenants.services.provisioning import create_library


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions of the consortium (any signed-in user)."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    lookup_field = "code"
    pagination_class = None


class LibraryListCreate(generics.ListCreateAPIView):
    """Coordinators list the libraries of their regions and create new ones."""

    serializer_class = LibrarySerializer
    permission_classes = [IsAuthenticated, IsCoordinator]

    def get_queryset(self):
        return access.visible_libraries(self.request.user).select_related("region").order_by("code")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        region = data.pop("region", None)
        if region is not None and not access.is_coordinator(request.user, region):
            return Response(
                {"detail": _("You do not coordinate that region.")}, status=status.HTTP_403_FORBIDDEN
            )
        if region is None and not access.is_coordinator(request.user, Region.root()):
            return Response(
                {"detail": _("Name a region you coordinate.")}, status=status.HTTP_400_BAD_REQUEST
            )
        library = create_library(data.pop("code"), name=data.pop("name"), kind=data.pop("kind"), region=region, **data)
        return Response(self.get_serializer(library).data, status=status.HTTP_201_CREATED)


class LibraryDetail(APIView):
    """One member library: its staff and coordinators read it, its administrators change it."""

    permission_classes = [IsAuthenticated, IsLibraryStaff]

    @extend_schema(responses=LibrarySerializer)
    def get(self, request, code):
        return Response(LibrarySerializer(request.library).data)

    @extend_schema(request=LibraryUpdateSerializer, responses=LibrarySerializer)
    def patch(self, request, code):
        if not access.has_role(request.user, request.library, "library_admin"):
            return Response({"detail": _("Only the library's administrators may change it.")}, status=403)
        serializer = LibraryUpdateSerializer(request.library, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(LibrarySerializer(request.library).data)


class MembershipViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Staff and readers of one library, managed by its administrators."""

    serializer_class = MembershipSerializer
    permission_classes = [IsAuthenticated, IsLibraryAdmin]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no library
            return Membership.objects.none()
        return Membership.objects.filter(library=self.request.library).select_related("user").order_by("id")

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                serializer.save(library=self.request.library)
        except IntegrityError:
            raise Conflict(_("That user already has that role here.")) from None


class ObtainToken(ObtainAuthToken):
    """Exchange a username and password for an API token (``Authorization: Token …``)."""


class Me(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        rows = [
            {"role": m.role, "library": m.library.code if m.library else None, "region": m.region.code if m.region else None}
            for m in request.user.memberships.select_related("library", "region")
        ]
        return Response({"username": request.user.username, "memberships": rows})
