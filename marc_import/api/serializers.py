from __future__ import annotations

from rest_framework import serializers
from rest_framework.reverse import reverse

from marc_import.mapping.holdings import profiles
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.records import ENCODINGS, FORMATS


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)
    finished = serializers.BooleanField(read_only=True)
    quarantine_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "status", "source_name", "format", "encoding", "profile", "detected_format", "progress",
                  "finished", "total_bytes", "processed_bytes", "read", "created", "updated", "unchanged",
                  "deleted", "rejected", "holdings_created", "items_created", "error", "created_at", "started_at",
                  "finished_at", "quarantine_url"]

    def get_quarantine_url(self, job) -> str:
        request = self.context.get("request")
        return reverse("marc-import-quarantine", kwargs={"code": request.library.code, "pk": job.pk},
                       request=request)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=FORMATS, default="auto")
    encoding = serializers.ChoiceField(choices=ENCODINGS, default="auto")
    profile = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_profile(self, value):
        if value and value not in ("auto", "none", *profiles()):
            raise serializers.ValidationError(f"unknown profile; use one of auto, none, {', '.join(profiles())}")
        return value


class QuarantinedRecordSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = QuarantinedRecord
        fields = ["id", "job", "position", "offset", "raw_kind", "reason", "control_number", "status",
                  "resolved_by_job", "download_url"]

    def get_download_url(self, record) -> str:
        request = self.context.get("request")
        return reverse("marc-import-quarantined-raw", kwargs={"code": request.library.code, "pk": record.pk},
                       request=request)


class ResubmitSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="the fixed record; omit to retry the stored bytes")
    format = serializers.ChoiceField(choices=FORMATS, default="auto")
    encoding = serializers.ChoiceField(choices=ENCODINGS, default="auto")
