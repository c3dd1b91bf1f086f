from rest_framework import serializers

from union.models import (
    ConsortiumPolicy,
    MatchReview,
    Proposal,
    UnionHolding,
    UnionRecord,
    UnionRecordVersion,
)


class UnionHoldingSerializer(serializers.ModelSerializer):
    library = serializers.CharField(source="library.code")
    library_name = serializers.CharField(source="library.name")
    why = serializers.JSONField(source="matched_on")

    class Meta:
        model = UnionHolding
        fields = ["library", "library_name", "instance_id", "instance_hrid", "call_number", "items_total",
                  "items_available", "items_loanable", "why"]


class UnionRecordListSerializer(serializers.ModelSerializer):
    master_library = serializers.CharField(source="master_library.code", default=None, allow_null=True)
    libraries = serializers.SerializerMethodField()

    class Meta:
        model = UnionRecord
        fields = ["urid", "title", "volume", "responsibility", "publisher", "year", "isbns", "material_type",
                  "master_library", "libraries", "version", "deleted", "updated_at"]

    def get_libraries(self, obj) -> int:
        return getattr(obj, "library_count", None) or obj.holdings.values("library").distinct().count()


class UnionRecordSerializer(serializers.ModelSerializer):
    master_library = serializers.CharField(source="master_library.code", default=None, allow_null=True)
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
    changed_by = serializers.CharField(source="changed_by.username", default=None, allow_null=True)
    library = serializers.CharField(source="library.code", default=None, allow_null=True)

    class Meta:
        model = UnionRecordVersion
        fields = ["version", "change_kind", "changed_by", "library", "changes", "data", "created_at"]


class ProposalSerializer(serializers.ModelSerializer):
    urid = serializers.CharField(source="union_record.urid")
    proposed_by = serializers.CharField(source="proposed_by.username")
    library = serializers.CharField(source="library.code")
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)

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


# Request bodies of the other actions, so odd input is answered with 400 and the schema shows them.

class LibraryRef(serializers.Serializer):
    library = serializers.CharField(help_text="code of the member library")


class LockInput(serializers.Serializer):
    library = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="lock for this library's cataloguers; omit when deciding as coordinator")


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MergeInput(NoteInput):
    other = serializers.CharField(help_text="urid of the record merged into this one")


class ReviewActionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["merge", "apart"], help_text="merge the two records, or keep them apart")


class WrongKeyInput(NoteInput):
    key = serializers.CharField(help_text="a match key, e.g. isbn:9787020002207")


class PolicySerializer(serializers.Serializer):
    proposal_approval = serializers.ChoiceField(choices=ConsortiumPolicy.Approval.choices, required=False)
    lock_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False)


# Answers of those actions.

class CopyResult(serializers.Serializer):
    library = serializers.CharField()
    instance_id = serializers.IntegerField()


class ItemResult(serializers.Serializer):
    item_id = serializers.IntegerField()
    item_hrid = serializers.CharField()
    holdings_id = serializers.IntegerField()
    barcode = serializers.CharField(allow_null=True)


class LockResult(serializers.Serializer):
    urid = serializers.CharField()
    user = serializers.CharField()
    expires_at = serializers.DateTimeField()


class SplitResult(serializers.Serializer):
    urid = serializers.CharField()
    new_urid = serializers.CharField()


class CompareResult(serializers.Serializer):
    urid = serializers.CharField()
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    changes = serializers.DictField(help_text="field -> [value in a, value in b]")


class WrongKeyResult(serializers.Serializer):
    key = serializers.CharField()
    records_replaced = serializers.IntegerField()


class QualitySerializer(serializers.Serializer):
    """A library's record quality; the ``missing_*`` and ``duplicate_rate`` figures are shares from 0 to 1."""

    library = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    records = serializers.IntegerField()
    missing_isbn = serializers.FloatField()
    missing_clc = serializers.FloatField()
    missing_publisher = serializers.FloatField()
    missing_year = serializers.FloatField()
    duplicate_rate = serializers.FloatField()
    duplicates = serializers.IntegerField()
    unique_in_consortium = serializers.IntegerField()
    contributed = serializers.IntegerField()
    upgraded = serializers.IntegerField()


class MemberRecordResult(serializers.Serializer):
    urid = serializers.CharField()
    why = serializers.JSONField()
