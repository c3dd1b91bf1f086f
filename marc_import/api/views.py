"""Import API of one member library: upload a file, follow the job, read and fix its quarantine."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from marc_import.api.serializers import (
    ImportJobSerializer,
    QuarantinedRecordSerializer,
    ResubmitSerializer,
    UploadSerializer,
)
from marc_import.models import ImportJob, QuarantinedRecord
from marc_import.services import export, jobs
from tenants.api.permissions import IsCataloguer
from tenants.catalogue.models import Instance

PERMISSIONS = [IsAuthenticated, IsCataloguer]
# Quarantined records as received: ISO 2709, or MARCXML when every record came as XML.
RAW_RECORDS = {(200, "application/marc"): OpenApiTypes.BINARY, (200, "application/xml"): OpenApiTypes.STR}


class ImportJobList(generics.ListAPIView):
    """Import jobs of this library (newest first); POST a file to start one."""

    permission_classes = PERMISSIONS
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    queryset = ImportJob.objects.all()

    @extend_schema(request=UploadSerializer, responses={202: ImportJobSerializer})
    def post(self, request, code):
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = jobs.queue_upload(request.library, form.validated_data["file"], format=form.validated_data["format"],
                                encoding=form.validated_data["encoding"],
                                profile=form.validated_data["profile"] or None, user=request.user)
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ImportJobDetail(generics.RetrieveAPIView):
    """One job: status, progress (0-100) and counts."""

    permission_classes = PERMISSIONS
    serializer_class = ImportJobSerializer
    queryset = ImportJob.objects.all()


class QuarantineList(generics.ListAPIView):
    """Records of a job that could not be imported, with position and reason."""

    permission_classes = PERMISSIONS
    serializer_class = QuarantinedRecordSerializer

    def get_queryset(self):
        job = get_object_or_404(ImportJob, pk=self.kwargs["pk"])
        return QuarantinedRecord.objects.filter(job=job).order_by("position")


class QuarantineDownload(APIView):
    """All quarantined records of a job as one file, bytes exactly as received."""

    permission_classes = PERMISSIONS

    @extend_schema(responses=RAW_RECORDS)
    def get(self, request, code, pk):
        job = get_object_or_404(ImportJob, pk=pk)
        records = list(QuarantinedRecord.objects.filter(job=job).order_by("position"))
        if records and all(r.raw_kind == "xml" for r in records):
            body = b"<collection>\n" + b"\n".join(bytes(r.raw) for r in records) + b"\n</collection>\n"
            name, mime = f"job{job.pk}-quarantine.xml", "application/xml"
        else:
            body = b"".join(bytes(r.raw) for r in records)
            name, mime = f"job{job.pk}-quarantine.mrc", "application/marc"
        response = HttpResponse(body, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class QuarantinedRecordRaw(APIView):
    """One quarantined record's bytes as received."""

    permission_classes = PERMISSIONS

    @extend_schema(responses=RAW_RECORDS)
    def get(self, request, code, pk):
        record = get_object_or_404(QuarantinedRecord, pk=pk)
        mime = "application/xml" if record.raw_kind == "xml" else "application/marc"
        response = HttpResponse(bytes(record.raw), content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{record.filename()}"'
        return response


class QuarantinedRecordResubmit(APIView):
    """Import a quarantined record again, fixed (upload ``file``) or as stored."""

    permission_classes = PERMISSIONS
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ResubmitSerializer, responses={200: ImportJobSerializer})
    def post(self, request, code, pk):
        form = ResubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data.get("file")
        job = jobs.resubmit(request.library, pk, upload.read() if upload else None, user=request.user,
                            format=form.validated_data["format"], encoding=form.validated_data["encoding"])
        return Response(ImportJobSerializer(job, context={"request": request}).data)


class InstanceExport(APIView):
    """One instance as ISO 2709 (``?as=iso2709``, default) or MARCXML (``?as=marcxml``)."""

    permission_classes = PERMISSIONS

    @extend_schema(responses={(200, "application/marc"): OpenApiTypes.BINARY,
                              (200, "application/marcxml+xml"): OpenApiTypes.STR})
    def get(self, request, code, pk):
        instance = get_object_or_404(Instance, pk=pk)
        if request.query_params.get("as") == "marcxml":
            body, mime, ext = export.to_marcxml([instance]), "application/marcxml+xml", "xml"
        else:
            body, mime, ext = export.to_iso2709([instance]), "application/marc", "mrc"
        response = HttpResponse(body, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{instance.hrid}.{ext}"'
        return response
