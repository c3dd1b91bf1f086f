from rest_framework import serializers

from union.models import MatchReview, Proposal, UnionHolding, UnionRecord, UnionRecordVersion


class UnionHoldingSerializer(serializers.ModelSerializer):
    library = serializers.CharField(source="library.code")
    library_name = serializers.CharField(source="library.name")
    why = serializers.JSONField(source="matched_on")

    class Meta:
        model = UnionHolding
        fields = ["library", "library_name", "instance_id", "instance_hrid", "call_number", "items_total",
                  "items_available", "items_loanable", "why"]


class UnionRecordListSerializer(serializers.ModelSerializer):
    master_library = serializers.CharField(source="master_library.code", default=None)
    libraries = serializers.SerializerMethodField()

    class Meta:
        model = UnionRecord
        fields = ["urid", "title", "volume", "responsibility", "publisher", "year", "isbns", "material_type",
                  "master_library", "libraries", "version", "deleted", "updated_at"]

    def get_libraries(self, obj) -> int:
        return getattr(obj, "library_count", None) or obj.holdings.values("library").distinct().count()


class UnionRecordSerializer(serializers.ModelSerializer):
    master_library = serializers.CharField(source="master_library.code", default=None)
    holdings = UnionHoldingSerializer(many=True, read_only=True)
    lock = serializers.SerializerMethodField()

    class Meta:
        model = UnionRecord
        exclude = ["id", "marc"]

    def get_lock(self, obj) -> dict | None:
        from django.utils import timezone

        lock = getattr(obj, "lock", None) if hasattr(obj, "lock") else None
        if lock is None or lock.expires_at <= timezone.now():
            return None
        return {"user": lock.user.username, "library": lock.library.code if lock.library else None,
                "expires_at": lock.expires_at}


class VersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", default=None)
    library = serializers.CharField(source="library.code", default=None)

    class Meta:
        model = UnionRecordVersion
        fields = ["version", "change_kind", "changed_by", "library", "changes", "data", "created_at"]


class ProposalSerializer(serializers.ModelSerializer):
    urid = serializers.CharField(source="union_record.urid")
    proposed_by = serializers.CharField(source="proposed_by.username")
    library = serializers.CharField(source="library.code")
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = Proposal
        fields = ["id", "urid", "base_version", "changes", "comment", "proposed_by", "library", "status",
                  "decided_by", "decided_at", "decision_note", "created_at"]


class ReviewSerializer(serializers.ModelSerializer):
    library = serializers.CharField(source="library.code")
    candidate_library = serializers.CharField(source="candidate_library.code")
    urid = serializers.CharField(source="union_record.urid")
    candidate_urid = serializers.CharField(source="candidate.urid")

    class Meta:
        model = MatchReview
        fields = ["id", "library", "instance_id", "urid", "candidate_library", "candidate_instance_id",
                  "candidate_urid", "score", "explanation", "status", "created_at"]


class ProposalInput(serializers.Serializer):
    library = serializers.CharField()
    changes = serializers.DictField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class MemberRef(serializers.Serializer):
    library = serializers.CharField()
    instance_id = serializers.IntegerField()


class SplitInput(serializers.Serializer):
    members = MemberRef(many=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ItemInput(serializers.Serializer):
    barcode = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    call_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    reference_only = serializers.BooleanField(required=False, default=False)
