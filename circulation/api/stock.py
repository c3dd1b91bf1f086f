"""Stock in the API: stocktakes, weeding, the accession ledgers and the circulation settings
of one library (/api/v1/libraries/<code>/...).

Stocktakes, withdrawals and ledgers are for the library's own circulation staff and cataloguers;
scanning also for its student helpers. The loan matrix, the calendar and the policy are the
library administrator's to change; circulation staff may read them. Coordinators reach none of
it. Errors are ``{detail, code}``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from circulation.exceptions import UserError
from circulation.models import CalendarPeriod, CirculationPolicy, LoanRule, Reader, Stocktake, Withdrawal
from circulation.services import desk, ledgers
from circulation.services import settings as circ_settings
from circulation.services import stocktake as stocktakes
from tenants.api.permissions import own_library_roles
from tenants.catalogue.models import MaterialType
from tenants.models import Role

STOCK = [IsAuthenticated, own_library_roles(Role.CIRCULATION, Role.CATALOGUER)]
SCANNING = [IsAuthenticated, own_library_roles(Role.DESK_HELPER, Role.CATALOGUER)]
SETTINGS = [IsAuthenticated, own_library_roles(Role.LIBRARY_ADMIN, read=(Role.CIRCULATION,))]

EXPORT_AS = OpenApiParameter("as", OpenApiTypes.STR, enum=["csv", "xlsx"], description="csv (default) or xlsx")
FILE = {(200, "text/csv"): OpenApiTypes.BINARY,
        (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY}


def file_response(body: bytes, mime: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def export_response(request, name: str, title: str, headers, rows) -> HttpResponse:
    kind = request.query_params.get("as", "csv")
    body, mime = ledgers.export(kind, title, headers, rows)
    return file_response(body, mime, f"{name}.{kind}")


def int_param(request, name: str, *, most: int = 9999) -> int | None:
    """A whole number from the query, 1 to ``most`` (a year, a count of days), or None when absent."""
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise UserError(_("%(name)s: a number from 1 to %(most)s.") % {"name": name, "most": most}, code="invalid")
    return int(value)


def text_param(request, name: str) -> str:
    return request.query_params.get(name, "").replace("\x00", "").strip()


# --- Stocktakes ---------------------------------------------------------------------------------

class StocktakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stocktake
        fields = ["id", "name", "location", "status", "started_at", "closed_at", "started_by"]
        read_only_fields = ["status", "started_at", "closed_at", "started_by"]


class StocktakeCountsSerializer(StocktakeSerializer):
    counts = serializers.SerializerMethodField()

    class Meta(StocktakeSerializer.Meta):
        fields = [*StocktakeSerializer.Meta.fields, "counts"]

    def get_counts(self, stocktake) -> dict:
        return stocktakes.report(stocktake).counts


class ScanInputSerializer(serializers.Serializer):
    barcode = serializers.CharField(max_length=60, help_text="the item's barcode (scanned)")
    shelf = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                  help_text="the label of the shelf being scanned")


class ScanOutcomeSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["ok", "again", "on_loan", "unexpected", "unknown"])
    message = serializers.CharField()
    barcode = serializers.CharField()
    shelf = serializers.CharField()
    item_id = serializers.IntegerField(source="item.pk", allow_null=True, default=None)
    counted = serializers.BooleanField(help_text="the scan counted an expected item for the first time")


class ReportLineSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(allow_null=True)
    barcode = serializers.CharField()
    title = serializers.CharField()
    call_number = serializers.CharField()
    location = serializers.CharField()
    status = serializers.CharField()
    shelf = serializers.CharField(required=False)
    reason = serializers.CharField(required=False, help_text="unexpected: unknown, withdrawn, other_location, "
                                                            "added_since")
    item_class = serializers.CharField(required=False, help_text="misplaced: the item's CLC main class")
    shelf_class = serializers.CharField(required=False, help_text="misplaced: the shelf's majority class")
    found = serializers.BooleanField(required=False, help_text="on loan: found on a shelf all the same")


class ReportSerializer(serializers.Serializer):
    stocktake = StocktakeSerializer()
    counts = serializers.DictField(child=serializers.IntegerField())
    missing = ReportLineSerializer(many=True)
    unexpected = ReportLineSerializer(many=True)
    misplaced = ReportLineSerializer(many=True)
    on_loan = ReportLineSerializer(many=True)


class MarkMissingSerializer(serializers.Serializer):
    marked = serializers.ListField(child=serializers.CharField(), help_text="barcodes marked missing")
    skipped = serializers.ListField(child=serializers.DictField(), help_text="{barcode, status, reason}: reason "
                                                                            "changed, already_missing, not_allowed")


class StocktakeList(APIView):
    """The library's stocktakes (newest first); POST starts one, freezing the items it expects."""

    permission_classes = STOCK

    @extend_schema(responses=StocktakeSerializer(many=True))
    def get(self, request, code):
        return Response(StocktakeSerializer(Stocktake.objects.all()[:200], many=True).data)

    @extend_schema(request=StocktakeSerializer, responses={201: StocktakeCountsSerializer})
    def post(self, request, code):
        form = StocktakeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        stocktake = stocktakes.start(form.validated_data["name"], location=form.validated_data.get("location", ""),
                                     actor=request.user)
        return Response(StocktakeCountsSerializer(stocktake).data, status=status.HTTP_201_CREATED)


class StocktakeDetail(APIView):
    """One stocktake with its counts so far."""

    permission_classes = STOCK

    @extend_schema(responses=StocktakeCountsSerializer)
    def get(self, request, code, pk):
        return Response(StocktakeCountsSerializer(get_object_or_404(Stocktake, pk=pk)).data)


class StocktakeScan(APIView):
    """Record a barcode scanned on a shelf; the answer's ``code`` says what it was."""

    permission_classes = SCANNING

    @extend_schema(request=ScanInputSerializer, responses={201: ScanOutcomeSerializer})
    def post(self, request, code, pk):
        form = ScanInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        stocktake = get_object_or_404(Stocktake, pk=pk)
        outcome = stocktakes.scan(stocktake, form.validated_data["barcode"], shelf=form.validated_data["shelf"],
                                  actor=request.user, role=desk.desk_role(request.user, request.library))
        return Response(ScanOutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)


class StocktakeReport(APIView):
    """The report: missing, unexpected and misplaced items, items on loan apart, and the counts."""

    permission_classes = STOCK

    @extend_schema(responses=ReportSerializer)
    def get(self, request, code, pk):
        report = stocktakes.report(get_object_or_404(Stocktake, pk=pk))
        return Response(ReportSerializer(report).data)


class StocktakeReportExport(APIView):
    """The report as CSV or XLSX, one row per line."""

    permission_classes = STOCK

    @extend_schema(parameters=[EXPORT_AS], responses=FILE)
    def get(self, request, code, pk):
        report = stocktakes.report(get_object_or_404(Stocktake, pk=pk))
        return export_response(request, f"stocktake-{pk}", report.stocktake.name, stocktakes.report_headers(),
                               stocktakes.report_rows(report))


class StocktakeMarkMissing(APIView):
    """Mark every missing item missing; items changed since the start are skipped and listed."""

    permission_classes = STOCK

    @extend_schema(request=None, responses=MarkMissingSerializer)
    def post(self, request, code, pk):
        result = stocktakes.mark_missing(get_object_or_404(Stocktake, pk=pk), actor=request.user)
        return Response(MarkMissingSerializer(result).data)


class StocktakeClose(APIView):
    """Close the session: it takes no more scans."""

    permission_classes = STOCK

    @extend_schema(request=None, responses=StocktakeSerializer)
    def post(self, request, code, pk):
        stocktake = stocktakes.close(get_object_or_404(Stocktake, pk=pk), actor=request.user)
        return Response(StocktakeSerializer(stocktake).data)


# --- Weeding and the ledgers ----------------------------------------------------------------------

class WithdrawalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Withdrawal
        fields = ["id", "batch", "barcode", "title", "call_number", "clc_class", "price", "reason", "note",
                  "withdrawn_on", "withdrawn_by", "item"]


class WithdrawInputSerializer(serializers.Serializer):
    barcodes = serializers.ListField(child=serializers.CharField(max_length=60), allow_empty=False)
    reason = serializers.ChoiceField(choices=Withdrawal.Reason.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class WithdrawalListSerializer(serializers.Serializer):
    batch = serializers.CharField(help_text="the withdrawal list number (注销单号)")
    total_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    lines = WithdrawalSerializer(many=True)


class LedgerTotalsSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    per_reason = serializers.DictField(child=serializers.DictField())


class WithdrawalLedgerSerializer(serializers.Serializer):
    totals = LedgerTotalsSerializer()
    lines = WithdrawalSerializer(many=True)


LEDGER_FILTERS = [OpenApiParameter("year", int), OpenApiParameter("batch", str),
                  OpenApiParameter("reason", str, enum=Withdrawal.Reason.values)]


def _ledger(request):
    return ledgers.withdrawal_ledger(year=int_param(request, "year"), batch=text_param(request, "batch"),
                                     reason=text_param(request, "reason"))


class WithdrawalLedger(APIView):
    """The withdrawal ledger (注销帐) with its totals; POST withdraws a list of items under one number."""

    permission_classes = STOCK

    @extend_schema(parameters=LEDGER_FILTERS, responses=WithdrawalLedgerSerializer)
    def get(self, request, code):
        lines, totals = _ledger(request)
        return Response(WithdrawalLedgerSerializer({"totals": totals, "lines": lines[:1000]}).data)

    @extend_schema(request=WithdrawInputSerializer, responses={201: WithdrawalListSerializer})
    def post(self, request, code):
        form = WithdrawInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = ledgers.withdraw(form.validated_data["barcodes"], form.validated_data["reason"],
                                  note=form.validated_data["note"], actor=request.user)
        return Response(WithdrawalListSerializer(result).data, status=status.HTTP_201_CREATED)


class WithdrawalLedgerExport(APIView):
    """The withdrawal ledger as CSV or XLSX."""

    permission_classes = STOCK

    @extend_schema(parameters=[*LEDGER_FILTERS, EXPORT_AS], responses=FILE)
    def get(self, request, code):
        lines, _totals = _ledger(request)
        return export_response(request, "withdrawals", "注销帐", ledgers.withdrawal_headers(),
                               ledgers.withdrawal_rows(lines))


class SummaryRowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    added_items = serializers.IntegerField()
    added_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    withdrawn_items = serializers.IntegerField()
    withdrawn_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    held_items = serializers.IntegerField()
    held_value = serializers.DecimalField(max_digits=14, decimal_places=2)


class ClassRowSerializer(SummaryRowSerializer):
    clc_class = serializers.CharField(help_text="CLC main class letter; empty: unclassified")
    name = serializers.CharField()


class SummaryLedger(APIView):
    """总括帐: per year, items and value added and withdrawn, holdings at the year's end."""

    permission_classes = STOCK

    @extend_schema(responses=SummaryRowSerializer(many=True))
    def get(self, request, code):
        return Response(SummaryRowSerializer(ledgers.summary_ledger(), many=True).data)


class SummaryLedgerExport(APIView):
    permission_classes = STOCK

    @extend_schema(parameters=[EXPORT_AS], responses=FILE)
    def get(self, request, code):
        return export_response(request, "accessions-summary", "总括帐", ledgers.summary_headers(),
                               ledgers.summary_rows(ledgers.summary_ledger()))


class ClassLedger(APIView):
    """分类帐: per year and CLC main class, items and value added, withdrawn and held."""

    permission_classes = STOCK

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses=ClassRowSerializer(many=True))
    def get(self, request, code):
        return Response(ClassRowSerializer(ledgers.class_ledger(int_param(request, "year")), many=True).data)


class ClassLedgerExport(APIView):
    permission_classes = STOCK

    @extend_schema(parameters=[OpenApiParameter("year", int), EXPORT_AS], responses=FILE)
    def get(self, request, code):
        rows = ledgers.class_ledger(int_param(request, "year"))
        return export_response(request, "accessions-by-class", "分类帐", ledgers.class_headers(),
                               ledgers.class_rows(rows))


# --- Settings: the loan matrix, the calendar, the policy ----------------------------------------

class LoanRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoanRule
        fields = ["id", *circ_settings.RULE_FIELDS]
        validators = []  # one rule per cell is the service's check (code rule_exists)


class LoanRuleList(APIView):
    """The loan matrix's rules; POST adds a cell (administrator)."""

    permission_classes = SETTINGS

    @extend_schema(responses=LoanRuleSerializer(many=True))
    def get(self, request, code):
        return Response(LoanRuleSerializer(LoanRule.objects.order_by("reader_kind", "material_type"),
                                           many=True).data)

    @extend_schema(request=LoanRuleSerializer, responses={201: LoanRuleSerializer})
    def post(self, request, code):
        form = LoanRuleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rule = circ_settings.save_rule(form.validated_data)
        return Response(LoanRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class LoanRuleDetail(APIView):
    """One rule: read, change (PATCH) or delete it (administrator)."""

    permission_classes = SETTINGS

    @extend_schema(responses=LoanRuleSerializer)
    def get(self, request, code, pk):
        return Response(LoanRuleSerializer(get_object_or_404(LoanRule, pk=pk)).data)

    @extend_schema(request=LoanRuleSerializer, responses=LoanRuleSerializer)
    def patch(self, request, code, pk):
        rule = get_object_or_404(LoanRule, pk=pk)
        form = LoanRuleSerializer(rule, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        return Response(LoanRuleSerializer(circ_settings.save_rule(form.validated_data, rule)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, code, pk):
        circ_settings.delete_rule(get_object_or_404(LoanRule, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LoanRuleDefaults(APIView):
    """Install the day-one rules the library does not have yet."""

    permission_classes = SETTINGS

    @extend_schema(request=None, responses={200: OpenApiResponse(
        OpenApiTypes.OBJECT, description="{created: how many rules were made}")})
    def post(self, request, code):
        return Response({"created": circ_settings.install_defaults()})


class ExplainSerializer(serializers.Serializer):
    reader_kind = serializers.CharField()
    material_type = serializers.CharField()
    rule = serializers.DictField(help_text="the rule applied")
    why = serializers.ChoiceField(choices=["reader_and_material", "reader_kind", "material_type", "default",
                                           "fallback"])
    reason = serializers.CharField()
    explanation = serializers.CharField()
    candidates = serializers.ListField(child=serializers.DictField())


class LoanRuleExplain(APIView):
    """Which rule governs a reader type and a material type, and why."""

    permission_classes = SETTINGS

    @extend_schema(parameters=[
        OpenApiParameter("reader_kind", str, enum=Reader.Kind.values, required=True),
        OpenApiParameter("material_type", str, enum=MaterialType.values, required=True)],
        responses=ExplainSerializer)
    def get(self, request, code):
        answer = circ_settings.explain(request.query_params.get("reader_kind", ""),
                                       request.query_params.get("material_type", ""))
        return Response(ExplainSerializer(answer).data)


class CalendarPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarPeriod
        fields = ["id", *circ_settings.PERIOD_FIELDS]


class CalendarPeriodList(APIView):
    """The school's terms, vacations, exam weeks and closures; POST adds one (administrator)."""

    permission_classes = SETTINGS

    @extend_schema(responses=CalendarPeriodSerializer(many=True))
    def get(self, request, code):
        return Response(CalendarPeriodSerializer(CalendarPeriod.objects.all(), many=True).data)

    @extend_schema(request=CalendarPeriodSerializer, responses={201: CalendarPeriodSerializer})
    def post(self, request, code):
        form = CalendarPeriodSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        period = circ_settings.save_period(form.validated_data)
        return Response(CalendarPeriodSerializer(period).data, status=status.HTTP_201_CREATED)


class CalendarPeriodDetail(APIView):
    permission_classes = SETTINGS

    @extend_schema(responses=CalendarPeriodSerializer)
    def get(self, request, code, pk):
        return Response(CalendarPeriodSerializer(get_object_or_404(CalendarPeriod, pk=pk)).data)

    @extend_schema(request=CalendarPeriodSerializer, responses=CalendarPeriodSerializer)
    def patch(self, request, code, pk):
        period = get_object_or_404(CalendarPeriod, pk=pk)
        form = CalendarPeriodSerializer(period, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        return Response(CalendarPeriodSerializer(circ_settings.save_period(form.validated_data, period)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, code, pk):
        circ_settings.delete_period(get_object_or_404(CalendarPeriod, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    open = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=["open", "weekend", "holiday", "makeup", "period"])
    label = serializers.CharField(help_text="the holiday or period, in words")
    periods = serializers.ListField(child=serializers.CharField(), help_text="the school's periods covering the day")


class CalendarDays(APIView):
    """The days ahead (60 from today by default), each open or closed and why."""

    permission_classes = SETTINGS

    @extend_schema(parameters=[OpenApiParameter("start", dt.date), OpenApiParameter("days", int)],
                   responses=CalendarDaySerializer(many=True))
    def get(self, request, code):
        try:
            start = dt.date.fromisoformat(request.query_params["start"]) if request.query_params.get("start") \
                else timezone.localdate()
        except ValueError as exc:
            raise UserError(_("start: a date, YYYY-MM-DD."), code="invalid") from exc
        days = int_param(request, "days", most=366) or 60
        if start.year >= 9999:
            raise UserError(_("start: a date, YYYY-MM-DD."), code="invalid")
        return Response(CalendarDaySerializer(circ_settings.calendar_days(start, days), many=True).data)


class CirculationPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = CirculationPolicy
        fields = list(circ_settings.POLICY_FIELDS)


class Policy(APIView):
    """The library's circulation policy (loss and damage charges, overdue blocks, reminders)."""

    permission_classes = SETTINGS

    @extend_schema(responses=CirculationPolicySerializer)
    def get(self, request, code):
        return Response(CirculationPolicySerializer(CirculationPolicy.current()).data)

    @extend_schema(request=CirculationPolicySerializer, responses=CirculationPolicySerializer)
    def patch(self, request, code):
        form = CirculationPolicySerializer(CirculationPolicy.current(), data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        return Response(CirculationPolicySerializer(circ_settings.update_policy(form.validated_data)).data)


P = "circ-api-stock-"
urlpatterns = [
    path("stocktakes/", StocktakeList.as_view(), name=P + "stocktakes"),
    path("stocktakes/<int:pk>/", StocktakeDetail.as_view(), name=P + "stocktake"),
    path("stocktakes/<int:pk>/scans/", StocktakeScan.as_view(), name=P + "scan"),
    path("stocktakes/<int:pk>/report/", StocktakeReport.as_view(), name=P + "report"),
    path("stocktakes/<int:pk>/report/export/", StocktakeReportExport.as_view(), name=P + "report-export"),
    path("stocktakes/<int:pk>/mark-missing/", StocktakeMarkMissing.as_view(), name=P + "mark-missing"),
    path("stocktakes/<int:pk>/close/", StocktakeClose.as_view(), name=P + "close"),
    path("withdrawals/", WithdrawalLedger.as_view(), name=P + "withdrawals"),
    path("withdrawals/export/", WithdrawalLedgerExport.as_view(), name=P + "withdrawals-export"),
    path("ledgers/summary/", SummaryLedger.as_view(), name=P + "ledger-summary"),
    path("ledgers/summary/export/", SummaryLedgerExport.as_view(), name=P + "ledger-summary-export"),
    path("ledgers/classes/", ClassLedger.as_view(), name=P + "ledger-classes"),
    path("ledgers/classes/export/", ClassLedgerExport.as_view(), name=P + "ledger-classes-export"),
    path("loan-rules/", LoanRuleList.as_view(), name=P + "rules"),
    path("loan-rules/defaults/", LoanRuleDefaults.as_view(), name=P + "rules-defaults"),
    path("loan-rules/explain/", LoanRuleExplain.as_view(), name=P + "rules-explain"),
    path("loan-rules/<int:pk>/", LoanRuleDetail.as_view(), name=P + "rule"),
    path("calendar-periods/", CalendarPeriodList.as_view(), name=P + "periods"),
    path("calendar-periods/<int:pk>/", CalendarPeriodDetail.as_view(), name=P + "period"),
    path("calendar/days/", CalendarDays.as_view(), name=P + "calendar-days"),
    path("policy/", Policy.as_view(), name=P + "policy"),
]
