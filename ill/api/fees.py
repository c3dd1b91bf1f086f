"""Fees in the API: statements between libraries (JSON, CSV, XLSX), the fee schedule and subsidy rules.

Statements: ``statements/?year=2026&month=11[&library=<code>]``, the same as ``statements/csv/``
and ``statements/xlsx/``. A library's administrator and ILL staff see the pairs their library is
a side of; a coordinator those of every library in their regions. The schedule and the subsidy
rules are read by any library's staff and coordinators and changed by a coordinator of the whole
consortium (a top region).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.renderers import XLSX_TYPE, CsvRenderer, XlsxRenderer
from core.api.schema import ERRORS
from ill.models import FeeSchedule, ServiceType, SubsidyRule
from ill.services import fees
from tenants.models import Library, Region

CSV_TYPE = "text/csv; charset=utf-8"

PERIOD = [
    OpenApiParameter("year", int, description="the calendar year (default: this year)"),
    OpenApiParameter("month", int, description="1-12; without it, the whole year"),
    OpenApiParameter("library", str, description="only the pairs this library (by code) is a side of"),
]


# --- Serializers -------------------------------------------------------------------------------

class PairSerializer(serializers.Serializer):
    borrower = serializers.CharField(help_text="the borrowing library's code (peer:<agency id> for a peer)")
    borrower_name = serializers.CharField()
    lender = serializers.CharField()
    lender_name = serializers.CharField()
    loans = serializers.IntegerField(help_text="loans supplied (CopyOrLoan requests count as what was supplied)")
    copies = serializers.IntegerField()
    requests = serializers.IntegerField()
    pages = serializers.IntegerField(help_text="pages of the copies")
    gross = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="fees (CNY), after maximum costs")
    subsidy = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="paid by the consortium")
    compensation = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="for lost items")
    owed = serializers.DecimalField(max_digits=12, decimal_places=2,
                                    help_text="what the borrower owes the lender: gross - subsidy + compensation")


class BalanceSerializer(serializers.Serializer):
    library = serializers.CharField()
    name = serializers.CharField()
    lent = serializers.IntegerField()
    borrowed = serializers.IntegerField()
    receivable = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="what borrowers owe it")
    payable = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="what it owes lenders")
    net = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="receivable - payable")
    subsidy_received = serializers.DecimalField(max_digits=12, decimal_places=2)
    subsidy_for_lending = serializers.DecimalField(max_digits=12, decimal_places=2)


class StatementSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField(allow_null=True)
    pairs = PairSerializer(many=True)
    balances = BalanceSerializer(many=True)
    totals = serializers.DictField()


class ScheduleSerializer(serializers.ModelSerializer):
    service_type = serializers.ChoiceField(choices=[ServiceType.LOAN, ServiceType.COPY])
    per_request = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    per_page = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)

    class Meta:
        model = FeeSchedule
        fields = ["id", "service_type", "per_request", "per_page", "valid_from"]
        read_only_fields = ["id"]
        validators: list = []  # the same day's row is changed, not refused


class SubsidyRuleSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(), allow_null=True,
                                          required=False, help_text="a region's code; empty: every region")
    library_kind = serializers.ChoiceField(choices=[("", "")] + list(Library.Kind.choices), required=False,
                                           allow_blank=True)
    percent = serializers.IntegerField(min_value=0, max_value=100)
    yearly_cap = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)

    class Meta:
        model = SubsidyRule
        fields = ["id", "name", "region", "library_kind", "percent", "yearly_cap", "year"]
        read_only_fields = ["id"]


def _valid(serializer):
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Statements --------------------------------------------------------------------------------

def _document(request) -> dict:
    p = request.query_params
    return fees.statement_for(request.user, year=p.get("year"), month=p.get("month"),
                              library_code=p.get("library", ""))


def _download(document: dict, extension: str) -> HttpResponse:
    if extension == "csv":
        response = HttpResponse(fees.export_csv(document), content_type=CSV_TYPE)
    else:
        response = HttpResponse(fees.export_xlsx(document), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{fees.export_filename(document, extension)}"'
    return response


class Statements(APIView):
    """Per pair of libraries (borrower, lender): requests, pages, fees, subsidy and what is owed; and
    each library's net balance (what it is owed minus what it owes)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=PERIOD, responses={200: StatementSerializer})
    def get(self, request):
        return Response(StatementSerializer(_document(request)).data)


class StatementsCsv(APIView):
    """The statement as CSV (UTF-8 with a byte order mark): the pairs, an empty line, the balances."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(parameters=PERIOD, responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY), 404: ERRORS["404"]})
    def get(self, request):
        return _download(_document(request), "csv")


class StatementsXlsx(APIView):
    """The statement as an Excel workbook: a sheet of pairs and one of balances."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(parameters=PERIOD, responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY), 404: ERRORS["404"]})
    def get(self, request):
        return _download(_document(request), "xlsx")


# --- The schedule and subsidy rules ------------------------------------------------------------

class Schedule(APIView):
    """The fee schedule: every row (each valid from its day until the next row of its service type)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ScheduleSerializer(many=True)})
    def get(self, request):
        fees.require_fee_reader(request.user)
        return Response(ScheduleSerializer(fees.schedule(), many=True).data)

    @extend_schema(request=ScheduleSerializer, responses={200: ScheduleSerializer, 201: ScheduleSerializer})
    def post(self, request):
        """Set the fees of a service type from a day on (that day's row is changed if there is one)."""
        fees.require_fee_editor(request.user)
        row, created = fees.set_schedule(**_valid(ScheduleSerializer(data=request.data)))
        return Response(ScheduleSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SubsidyRules(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: SubsidyRuleSerializer(many=True)})
    def get(self, request):
        fees.require_fee_reader(request.user)
        rules = SubsidyRule.objects.select_related("region").order_by("year", "name", "pk")
        year = request.query_params.get("year", "")
        if year.isdigit():
            rules = rules.filter(year=int(year))
        return Response(SubsidyRuleSerializer(rules, many=True).data)

    @extend_schema(request=SubsidyRuleSerializer, responses={201: SubsidyRuleSerializer})
    def post(self, request):
        fees.require_fee_editor(request.user)
        rule = fees.save_rule(**_valid(SubsidyRuleSerializer(data=request.data)))
        return Response(SubsidyRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class SubsidyRuleDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SubsidyRuleSerializer})
    def get(self, request, pk):
        fees.require_fee_reader(request.user)
        return Response(SubsidyRuleSerializer(get_object_or_404(SubsidyRule, pk=pk)).data)

    @extend_schema(request=SubsidyRuleSerializer, responses={200: SubsidyRuleSerializer})
    def put(self, request, pk):
        """Change a rule; fees already recorded keep their subsidy."""
        fees.require_fee_editor(request.user)
        rule = get_object_or_404(SubsidyRule, pk=pk)
        rule = fees.save_rule(rule, **_valid(SubsidyRuleSerializer(rule, data=request.data)))
        return Response(SubsidyRuleSerializer(rule).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        """Remove a rule no fee was subsidised by (those are kept: the lines name them)."""
        fees.require_fee_editor(request.user)
        fees.delete_rule(get_object_or_404(SubsidyRule, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
