from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from tenants.api.permissions import IsLibraryStaff
from tenants.catalogue.api.serializers import InstanceListSerializer, InstanceSerializer
from tenants.catalogue.models import Instance


class InstanceViewSet(viewsets.ReadOnlyModelViewSet):
    """The library's local catalogue (its staff and coordinators)."""

    permission_classes = [IsAuthenticated, IsLibraryStaff]

    def get_queryset(self):
        qs = Instance.objects.order_by("id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("holdings__items")
        return qs

    def get_serializer_class(self):
        return InstanceSerializer if self.action == "retrieve" else InstanceListSerializer
