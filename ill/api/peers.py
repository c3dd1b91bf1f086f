"""The consortium's ILL peers (other ILL systems), for coordinators of the whole consortium.

Secrets are write-only: ``inbound_secret`` (what the peer sends us, kept hashed) and
``outbound_secret`` (what we send it) are accepted and never returned; the answer says only
whether each is set.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import UserError
from ill.models import Peer
from ill.services import peers
from union.services.access import is_consortium_coordinator


class ConsortiumCoordinator(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_consortium_coordinator(request.user)


class PeerSerializer(serializers.ModelSerializer):
    inbound_secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    outbound_secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    allowed_addresses = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    has_inbound_secret = serializers.SerializerMethodField()
    has_outbound_secret = serializers.SerializerMethodField()

    class Meta:
        model = Peer
        fields = ["id", "name", "agency_id_type", "agency_id", "endpoint", "version", "inbound_secret",
                  "outbound_secret", "has_inbound_secret", "has_outbound_secret", "allowed_addresses", "lends",
                  "borrows", "courier_days", "active", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"agency_id_type": {"required": False}}
        validators: list = []  # the agency id's uniqueness is the service's to check

    def get_has_inbound_secret(self, peer) -> bool:
        return bool(peer.inbound_secret_hash)

    def get_has_outbound_secret(self, peer) -> bool:
        return bool(peer.outbound_secret)


def _save(request, peer: Peer | None, *, partial: bool) -> Response:
    serializer = PeerSerializer(instance=peer, data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    agency_id = data.pop("agency_id", peer.agency_id if peer else "")
    agency_id_type = data.pop("agency_id_type", peer.agency_id_type if peer else "ISIL")
    if peer is None and Peer.objects.filter(agency_id_type__iexact=agency_id_type, agency_id=agency_id).exists():
        return Response({"code": "exists", "detail": "a peer with this agency ID exists"},
                        status=status.HTTP_409_CONFLICT)
    try:
        saved = peers.configure_peer(agency_id=agency_id, agency_id_type=agency_id_type, peer=peer,
                                     inbound_secret=data.pop("inbound_secret", None),
                                     allowed_addresses=data.pop("allowed_addresses", None), **data)
    except UserError as exc:
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status_code)
    return Response(PeerSerializer(saved).data, status=status.HTTP_200_OK if peer else status.HTTP_201_CREATED)


class PeerList(APIView):
    """GET the peers; POST a new one."""

    permission_classes = [IsAuthenticated, ConsortiumCoordinator]
    serializer_class = PeerSerializer

    @extend_schema(responses={200: PeerSerializer(many=True)})
    def get(self, request):
        return Response(PeerSerializer(Peer.objects.all(), many=True).data)

    @extend_schema(request=PeerSerializer, responses={201: PeerSerializer})
    def post(self, request):
        return _save(request, None, partial=False)


class PeerDetail(APIView):
    """GET one peer; PATCH what changes (a peer is switched off with ``active: false``)."""

    permission_classes = [IsAuthenticated, ConsortiumCoordinator]
    serializer_class = PeerSerializer

    def get(self, request, pk):
        return Response(PeerSerializer(get_object_or_404(Peer, pk=pk)).data)

    def patch(self, request, pk):
        return _save(request, get_object_or_404(Peer, pk=pk), partial=True)
